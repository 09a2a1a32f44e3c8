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
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * {@code ./colloquy project create NAME}: a project and its first admin key, printed once. Runs here, in a context of
 * its own, only when no server of the data directory answers; otherwise {@link ProjectCreateOverHttp} asks that one.
 */
@Component
final class ProjectCommands implements CliCommand {
    static final String USAGE = "project create NAME [--plan PLAN] [--immutable-dialogues] [--delete-protection]";
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
        return USAGE;
    }

    @Override
    public int run(List<String> args, PrintStream out) {
        Arguments a = Arguments.parse(args);
        if (a == null) {
            System.err.println("Usage: ./colloquy " + USAGE);
            return 2;
        }
        UUID id = Ids.newId();
        ProjectService.NewProject request =
                new ProjectService.NewProject(a.name(), a.plan(), a.immutableDialogues(), a.deleteProtection());
        ProjectService.CreatedProject created = RequestContext.command(id, AuditActor.system("cli"))
                .call(() -> tenants.inProject(id, () -> projects.create(id, request)));
        print(
                out,
                Ids.format("prj", created.project().id()),
                created.project().name(),
                created.project().plan(),
                created.key().secret());
        return 0;
    }

    /** What both forms of the command print: the same lines whether a context or a running server made it. */
    static void print(PrintStream out, String projectId, String name, String plan, String secret) {
        out.println("Project created: " + projectId + " (name: " + name + ", plan: " + plan + ")");
        out.println("Admin API key (shown only now; store it safely):");
        out.println(secret);
    }

    /** {@code NAME [--plan PLAN] [--immutable-dialogues] [--delete-protection]}. */
    record Arguments(String name, @Nullable String plan, boolean immutableDialogues, boolean deleteProtection) {

        /** The parsed arguments, or null when they are not a valid use of the command. */
        static @Nullable Arguments parse(List<String> args) {
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
            if (names.size() != 1
                    || names.getFirst().isBlank()
                    || names.getFirst().length() > 200) {
                return null;
            }
            return new Arguments(names.getFirst(), plan, immutable, protection);
        }
    }
}
