package io.colloquy.accounts;

import io.colloquy.audit.AuditActor;
import io.colloquy.keys.Role;
import io.colloquy.platform.CliCommand;
import io.colloquy.platform.Ids;
import io.colloquy.tenant.RequestContext;
import io.colloquy.tenant.TenantTransactions;
import io.colloquy.web.ApiException;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * {@code ./colloquy user invite EMAIL --project ID --role ROLE}: a one-time, expiring set-up link, printed (never
 * logged). Runs here only when no server of the data directory answers; otherwise {@link UserInviteOverHttp} asks
 * that one ({@code POST /v1/projects/{id}/invites} with the operator token).
 */
@Component
final class UserInviteCommand implements CliCommand {
    static final String USAGE = "user invite EMAIL --project PROJECT_ID --role owner|admin|member|viewer";
    private final AccountService accounts;
    private final TenantTransactions tenants;
    private final Environment environment;

    UserInviteCommand(AccountService accounts, TenantTransactions tenants, Environment environment) {
        this.accounts = accounts;
        this.tenants = tenants;
        this.environment = environment;
    }

    @Override
    public List<String> words() {
        return List.of("user", "invite");
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
        Optional<UUID> project = Ids.parse("prj", a.project());
        if (project.isEmpty()) {
            System.err.println("colloquy: no such project: " + a.project());
            return 1;
        }
        String base = "http://localhost:" + environment.getProperty("server.port", "8080");
        try {
            AccountService.Invitation invitation = RequestContext.command(project.get(), AuditActor.system("cli"))
                    .call(() -> tenants.inProject(
                            project.get(),
                            () -> accounts.invite(
                                    project.get(),
                                    null,
                                    AccountService.validEmail(a.email()),
                                    AccountService.validRole(a.role()),
                                    base)));
            print(
                    out,
                    invitation.email(),
                    a.project(),
                    invitation.role().wireName(),
                    invitation.expiresAt().toString(),
                    invitation.url());
            return 0;
        } catch (ApiException e) {
            System.err.println("colloquy: " + e.getMessage()
                    + e.fields().stream()
                            .map(f -> " " + f.field() + " " + f.problem())
                            .reduce("", String::concat));
            return 1;
        }
    }

    /** What both forms of the command print. */
    static void print(PrintStream out, String email, String project, String role, String expires, String url) {
        out.println("Invitation for " + email + " to " + project + " as " + role + " (until " + expires + ").");
        out.println("Set-up link (shown only now; it works once):");
        out.println(url);
    }

    /** {@code EMAIL --project ID --role ROLE}. */
    record Arguments(String email, String project, String role) {
        static @Nullable Arguments parse(List<String> args) {
            String email = null;
            String project = null;
            String role = null;
            for (int i = 0; i < args.size(); i++) {
                switch (args.get(i)) {
                    case "--project" -> project = i + 1 < args.size() ? args.get(++i) : null;
                    case "--role" -> role = i + 1 < args.size() ? args.get(++i) : null;
                    default -> {
                        if (email != null) {
                            return null;
                        }
                        email = args.get(i);
                    }
                }
            }
            if (email == null
                    || project == null
                    || role == null
                    || Role.fromWire(role).isEmpty()) {
                return null;
            }
            return new Arguments(email, project, role);
        }
    }
}
