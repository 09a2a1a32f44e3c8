package io.colloquy.projects;

import io.colloquy.audit.AuditActor;
import io.colloquy.platform.CliCommand;
import io.colloquy.platform.Ids;
import io.colloquy.tenant.RequestContext;
import io.colloquy.tenant.TenantTransactions;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;

/** {@code ./colloquy project create NAME}: a project and its first admin key, printed once. */
@Component
final class ProjectCommands implements CliCommand {
    private final ProjectService projects;
    private final TenantTransactions tenants;

    ProjectCommands(ProjectService projects, TenantTransactions tenants) {
        this.projects = projects;
        this.tenants = tenants;
    }

    @Override
    public List<String> words() {
        return List.of("project", "create");
    }

    @Override
    public String usage() {
        return "project create NAME [--plan PLAN] [--immutable-dialogues] [--delete-protection]";
    }

    @Override
    public int run(List<String> args, PrintStream out) {
        List<String> names = new ArrayList<>();
        String plan = null;
        boolean immutable = false;
        boolean protection = false;
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--plan" -> plan = i + 1 < args.size() ? args.get(++i) : null;
                case "--immutable-dialogues" -> immutable = true;
                case "--delete-protection" -> protection = true;
                default -> names.add(args.get(i));
            }
        }
        if (names.size() != 1 || names.getFirst().isBlank() || names.getFirst().length() > 200) {
            System.err.println("Usage: ./colloquy " + usage());
            return 2;
        }
        UUID id = Ids.newId();
        ProjectService.NewProject request =
                new ProjectService.NewProject(names.getFirst(), plan, immutable, protection);
        ProjectService.CreatedProject created = RequestContext.command(id, AuditActor.system("cli"))
                .call(() -> tenants.inProject(id, () -> projects.create(id, request)));
        out.println("Project created: " + Ids.format("prj", created.project().id()) + " (name: "
                + created.project().name() + ", plan: " + created.project().plan() + ")");
        out.println("Admin API key (shown only now; store it safely):");
        out.println(created.key().secret());
        return 0;
    }
}
