package io.colloquy.projects;

import io.colloquy.crypto.KeyedProjects;
import io.colloquy.tenant.TenantTransactions;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/** The crypto feature's view of the projects (for key management), so it needs no dependency on this one. */
@Component
final class KeyedProjectsAdapter implements KeyedProjects {
    private final ProjectService projects;
    private final TenantTransactions tenants;

    KeyedProjectsAdapter(ProjectService projects, TenantTransactions tenants) {
        this.projects = projects;
        this.tenants = tenants;
    }

    @Override
    public List<UUID> allProjectIds() {
        return projects.allProjectIds();
    }

    @Override
    public <T> T inProject(UUID project, Supplier<T> work) {
        return tenants.inProject(project, work);
    }

    @Override
    public void requireExists(UUID project) {
        projects.get(project);
    }
}
