package io.colloquy.accounts;

import io.colloquy.keys.Caller;
import io.colloquy.keys.SessionCredentials;
import io.colloquy.platform.Ids;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A session cookie as the credential of a project request: one short transaction finds the live session (expired
 * ones are deleted), checks the CSRF token of a state-changing request, then, acting as the session's user, reads
 * their membership in the project of {@code X-Colloquy-Project} (none: 404 like a project that does not exist).
 * The request then runs like a key's, with the capabilities of the role.
 */
@Component
final class SessionAuthentication implements SessionCredentials {
    static final String PROJECT_HEADER = "X-Colloquy-Project";

    private final AccountService accounts;
    private final AccountRepository repo;
    private final TransactionTemplate transactions;

    SessionAuthentication(AccountService accounts, AccountRepository repo, TransactionTemplate transactions) {
        this.accounts = accounts;
        this.repo = repo;
        this.transactions = transactions;
    }

    @Override
    public boolean presented(HttpServletRequest request) {
        return SessionCookies.read(request) != null;
    }

    @Override
    public Verdict authenticate(HttpServletRequest request) {
        String cookie = SessionCookies.read(request);
        Optional<Secrets.Token> token = cookie == null ? Optional.empty() : Secrets.parse(cookie);
        if (token.isEmpty()) {
            return new Verdict.Invalid("malformed");
        }
        String header = request.getHeader(PROJECT_HEADER);
        return transactions.execute(s -> {
            Optional<AccountService.Current> current = accounts.live(token.get());
            if (current.isEmpty()) {
                return new Verdict.Invalid("unknown");
            }
            if (!SessionCookies.csrfOk(request, current.get().csrfToken())) {
                return new Verdict.CsrfRefused();
            }
            if (header == null || header.isBlank()) {
                return new Verdict.NoProject(false);
            }
            Optional<UUID> project = Ids.parse("prj", header.strip());
            if (project.isEmpty()) {
                return new Verdict.NoProject(true);
            }
            UUID userId = current.get().userId();
            repo.actAs(userId);
            return repo.membership(userId, project.get())
                    .<Verdict>map(m -> new Verdict.Valid(
                            new Caller.User(m.projectId(), userId, current.get().sessionId(), m.role(), m.plan()),
                            m.ipAllowlist()))
                    .orElseGet(() -> new Verdict.NoProject(true));
        });
    }
}
