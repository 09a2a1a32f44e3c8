package io.colloquy.projects;

import io.colloquy.limits.PlanLookup;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;

/** A project's plan for the quotas, read in the current tenant transaction. */
@Component
final class ProjectPlans implements PlanLookup {
    private final ProjectRepository projects;

    ProjectPlans(ProjectRepository projects) {
        this.projects = projects;
    }

    @Override
    public Optional<String> planOf(UUID project) {
        return projects.find(project).map(Project::plan);
    }
}
