package io.colloquy.accounts;

import io.colloquy.audit.Action;
import io.colloquy.audit.AuditActor;
import io.colloquy.audit.AuditLog;
import io.colloquy.audit.EntityType;
import io.colloquy.keys.Caller;
import io.colloquy.keys.Role;
import io.colloquy.platform.Ids;
import io.colloquy.tenant.RequestContext;
import io.colloquy.tenant.TenantTransactions;
import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.NotFound;
import io.colloquy.web.ValidationFailed;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Accounts: invitations and joining, sign-in with back-off, sessions (list, revoke, expire), and the members of a
 * project with their roles (at least one owner always). Every account action is an audit event with actor type
 * {@code user} in the project it concerns; sign-in, sign-out and failed sign-ins concern every project of the
 * account and are recorded in each, each in a transaction of its own right after the session change commits.
 */
@Service
class AccountService {
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,253}");
    private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);

    private final AccountRepository repo;
    private final TransactionTemplate transactions;
    private final TenantTransactions tenants;
    private final AuditLog audit;
    private final Passwords passwords;
    private final PasswordPolicy policy = PasswordPolicy.shipped();
    private final LoginThrottle throttle;
    private final AccountSettings settings;
    private final Clock clock;

    AccountService(
            AccountRepository repo,
            TransactionTemplate transactions,
            TenantTransactions tenants,
            AuditLog audit,
            Passwords passwords,
            LoginThrottle throttle,
            AccountSettings settings,
            Clock clock) {
        this.repo = repo;
        this.transactions = transactions;
        this.tenants = tenants;
        this.audit = audit;
        this.passwords = passwords;
        this.throttle = throttle;
        this.settings = settings;
        this.clock = clock;
    }

    /** A session just started: its cookie value (shown only in Set-Cookie) and what the user sees of it. */
    record SignedIn(
            UUID userId,
            String email,
            String cookie,
            String csrfToken,
            AccountRepository.SessionInfo session,
            List<AccountRepository.Membership> projects) {}

    /** The live session of a request to the account's own routes. */
    record Current(UUID userId, UUID sessionId, String csrfToken, AccountRepository.SessionRow row) {}

    /** An invitation: its one-time set-up link is shown only now. */
    record Invitation(UUID inviteId, String email, Role role, Instant expiresAt, String url) {}

    /** Refused because of earlier failures: try again after {@code retryAfter}. */
    static final class LoginThrottled extends ApiException {
        final Duration retryAfter;

        LoginThrottled(Duration retryAfter) {
            super(ErrorCode.RATE_LIMIT_EXCEEDED, "Too many failed sign-ins: wait before trying again.");
            this.retryAfter = retryAfter;
        }
    }

    // ---- invitations and joining

    static String validEmail(@Nullable String email) {
        if (email == null || email.isBlank()) {
            throw ValidationFailed.of("email", "is required");
        }
        String e = email.strip();
        if (e.length() > 254 || !EMAIL.matcher(e).matches()) {
            throw ValidationFailed.of("email", "must be an email address");
        }
        return e;
    }

    static Role validRole(@Nullable String role) {
        return Optional.ofNullable(role)
                .flatMap(Role::fromWire)
                .orElseThrow(() -> ValidationFailed.of("role", "must be one of owner, admin, member, viewer"));
    }

    /**
     * Invites {@code email} into the project of the current tenant transaction as {@code role} (never a role above
     * the inviting user's own); the link is {@code baseUrl/console/invite?token=...}.
     */
    Invitation invite(UUID projectId, @Nullable Caller caller, String email, Role role, String baseUrl) {
        if (caller instanceof Caller.User user && !user.role().mayGrant(role)) {
            throw new ApiException(
                    ErrorCode.FORBIDDEN, "Your role in this project cannot give the role " + role.wireName() + ".");
        }
        if (!repo.projectExists(projectId)) {
            throw new NotFound("Project not found.");
        }
        Secrets.Token token = Secrets.fresh();
        Instant now = clock.instant();
        Instant expires = now.plus(settings.inviteValidity());
        repo.insertInvite(projectId, token.id(), email, role, token.digest(), now, expires);
        audit.record(AuditLog.Change.of(
                projectId,
                null,
                EntityType.MEMBER,
                Ids.format("inv", token.id()),
                Action.INVITED,
                Map.of("email", email, "role", role.wireName(), "expires_at", expires.toString())));
        String base = settings.baseUrl() != null ? settings.baseUrl() : baseUrl;
        return new Invitation(token.id(), email, role, expires, base + "/console/invite?token=" + token.text());
    }

    /**
     * Accepts an invitation: a new account gets {@code password} (the policy applies), an existing one proves it is
     * theirs with it; the membership, the used-up invitation, the new session and the {@code joined} event commit
     * together. A session the browser still presented ends (a fresh session id at every sign-in).
     */
    SignedIn accept(
            String tokenText, String password, String address, @Nullable String userAgent, @Nullable String presented) {
        Secrets.Token token = Secrets.parse(tokenText).orElseThrow(AccountService::noInvite);
        Instant now = clock.instant();
        AccountRepository.Invite invite = transactions
                .execute(s -> repo.findInvite(token.id()))
                .filter(i -> token.matches(i.secretDigest()) && i.expiresAt().isAfter(now))
                .orElseThrow(AccountService::noInvite);
        Optional<AccountRepository.Login> existing = transactions.execute(s -> repo.findLogin(invite.email()));
        String hash = null;
        UUID userId;
        if (existing.isPresent() && existing.get().passwordHash() != null) {
            throttleCheck(invite.email(), address);
            if (!passwords.matches(password, existing.get().passwordHash())) {
                failed(existing.get().userId(), invite.email(), address, "wrong_password");
                throw new ApiException(
                        ErrorCode.UNAUTHENTICATED, "This address has an account: give its password to join.");
            }
            userId = existing.get().userId();
        } else {
            policy.problem(password, invite.email()).ifPresent(p -> {
                throw ValidationFailed.of("password", p);
            });
            hash = passwords.hash(password);
            userId = existing.map(AccountRepository.Login::userId).orElseGet(Ids::newId);
        }
        Secrets.Token session = Secrets.fresh();
        String csrf = Secrets.random();
        String newHash = hash;
        UUID project = invite.projectId();
        try {
            return RequestContext.command(project, AuditActor.user(userId))
                    .call(() -> tenants.inProject(project, () -> {
                        if (!repo.deleteInvite(project, token.id())) {
                            throw noInvite();
                        }
                        endPresented(presented);
                        repo.actAs(userId);
                        if (existing.isEmpty()) {
                            repo.insertUser(userId, invite.email(), Objects.requireNonNull(newHash), now);
                        } else if (newHash != null) {
                            repo.setPassword(userId, newHash, now);
                        }
                        repo.insertMembership(project, userId, invite.role(), now);
                        audit.record(AuditLog.Change.of(
                                project,
                                null,
                                EntityType.MEMBER,
                                Ids.format("usr", userId),
                                Action.JOINED,
                                Map.of(
                                        "email",
                                        invite.email(),
                                        "role",
                                        invite.role().wireName())));
                        return newSession(userId, invite.email(), session, csrf, address, userAgent, now);
                    }));
        } catch (DuplicateKeyException e) {
            throw new ApiException(ErrorCode.ALREADY_EXISTS, "An account for this address was just created: sign in.");
        }
    }

    private static NotFound noInvite() {
        return new NotFound("Invitation not found, used or expired.");
    }

    // ---- sign-in, sessions

    SignedIn login(
            String email, String password, String address, @Nullable String userAgent, @Nullable String presented) {
        throttleCheck(email, address);
        Optional<AccountRepository.Login> login = transactions.execute(s -> repo.findLogin(email));
        String hash = login.map(AccountRepository.Login::passwordHash).orElse(null);
        if (!passwords.matches(password, hash)) {
            if (login.isPresent()) {
                failed(login.get().userId(), email, address, "wrong_password");
            } else {
                throttle.failed(email, address, "unknown_account");
            }
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "Wrong email or password.");
        }
        throttle.succeeded(email);
        AccountRepository.Login user = login.orElseThrow();
        Instant now = clock.instant();
        SignedIn in = transactions.execute(s -> {
            endPresented(presented);
            repo.actAs(user.userId());
            return newSession(user.userId(), user.email(), Secrets.fresh(), Secrets.random(), address, userAgent, now);
        });
        recordEverywhere(
                user.userId(),
                in.projects(),
                Action.LOGIN,
                sessionData(in.session().sessionId(), address));
        return in;
    }

    private void throttleCheck(String email, String address) {
        Optional<Duration> wait = throttle.wait(email, address);
        if (wait.isPresent()) {
            throttle.refused();
            throw new LoginThrottled(wait.get());
        }
    }

    private void failed(UUID userId, String email, String address, String reason) {
        boolean alert = throttle.failed(email, address, reason);
        List<AccountRepository.Membership> projects = projectsOf(userId);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("reason", reason);
        data.put("address", address);
        recordEverywhere(userId, projects, Action.LOGIN_FAILED, data);
        if (alert) {
            Map<String, Object> alertData = new LinkedHashMap<>(data);
            alertData.put("failures", settings.alertFailures());
            alertData.put("window_seconds", settings.alertWindow().toSeconds());
            recordEverywhere(userId, projects, Action.LOGIN_ALERT, alertData);
        }
    }

    private SignedIn newSession(
            UUID userId,
            String email,
            Secrets.Token token,
            String csrf,
            String address,
            @Nullable String userAgent,
            Instant now) {
        Instant expires = now.plus(settings.sessionAbsolute());
        String agent = userAgent == null ? null : userAgent.substring(0, Math.min(userAgent.length(), 256));
        repo.insertSession(token.id(), userId, token.digest(), csrf, now, expires, address, agent);
        return new SignedIn(
                userId,
                email,
                token.text(),
                csrf,
                new AccountRepository.SessionInfo(token.id(), now, now, expires, address, agent),
                repo.memberships(userId));
    }

    /** Ends the session a browser presented while signing in again: a session id never survives a sign-in. */
    private void endPresented(@Nullable String presented) {
        if (presented != null) {
            Secrets.parse(presented).ifPresent(old -> repo.findSession(old.id())
                    .filter(row -> old.matches(row.secretDigest()))
                    .ifPresent(row -> repo.deleteSession(old.id())));
        }
    }

    /** The live session a cookie names, touched at most once a minute; an expired one is deleted. */
    Optional<Current> current(@Nullable String cookie) {
        Optional<Secrets.Token> token = cookie == null ? Optional.empty() : Secrets.parse(cookie);
        if (token.isEmpty()) {
            return Optional.empty();
        }
        return transactions.execute(s -> live(token.get()));
    }

    /** In a transaction: the session a token names if it is live (expired ones are deleted here). */
    Optional<Current> live(Secrets.Token token) {
        Optional<AccountRepository.SessionRow> row =
                repo.findSession(token.id()).filter(r -> token.matches(r.secretDigest()));
        if (row.isEmpty()) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        AccountRepository.SessionRow r = row.get();
        if (!r.expiresAt().isAfter(now)
                || !r.lastSeenAt().plus(settings.sessionIdle()).isAfter(now)) {
            repo.deleteSession(token.id());
            return Optional.empty();
        }
        if (r.lastSeenAt().plus(TOUCH_EVERY).isBefore(now)) {
            repo.touchSession(token.id(), now);
        }
        return Optional.of(new Current(r.userId(), token.id(), r.csrfToken(), r));
    }

    /** What the signed-in user sees of themselves: account, this session, projects. */
    SignedIn whoAmI(Current current) {
        return transactions.execute(s -> {
            repo.actAs(current.userId());
            AccountRepository.SessionRow r = current.row();
            AccountRepository.SessionInfo info = repo.sessions(current.userId()).stream()
                    .filter(i -> i.sessionId().equals(current.sessionId()))
                    .findFirst()
                    .orElseGet(() -> new AccountRepository.SessionInfo(
                            r.sessionId(), r.createdAt(), r.lastSeenAt(), r.expiresAt(), null, null));
            return new SignedIn(
                    current.userId(),
                    repo.email(current.userId()).orElse(""),
                    "",
                    current.csrfToken(),
                    info,
                    repo.memberships(current.userId()));
        });
    }

    List<AccountRepository.SessionInfo> sessions(Current current) {
        return transactions.execute(s -> {
            repo.actAs(current.userId());
            return repo.sessions(current.userId());
        });
    }

    /** Ends one of the user's own sessions (404 for any other id, like an unknown one). */
    void revoke(Current current, UUID sessionId, String address) {
        boolean ended = transactions.execute(s -> {
            repo.actAs(current.userId());
            return repo.sessions(current.userId()).stream()
                            .anyMatch(i -> i.sessionId().equals(sessionId))
                    && repo.deleteSession(sessionId);
        });
        if (!ended) {
            throw new NotFound("Session not found.");
        }
        recordEverywhere(
                current.userId(),
                projectsOf(current.userId()),
                sessionId.equals(current.sessionId()) ? Action.LOGOUT : Action.SESSION_REVOKED,
                sessionData(sessionId, address));
    }

    private List<AccountRepository.Membership> projectsOf(UUID userId) {
        return transactions.execute(s -> {
            repo.actAs(userId);
            return repo.memberships(userId);
        });
    }

    private static Map<String, Object> sessionData(UUID sessionId, String address) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("session_id", Ids.format("ses", sessionId));
        data.put("address", address);
        return data;
    }

    /** An account event recorded in each project of the user, each in its own tenant transaction. */
    private void recordEverywhere(
            UUID userId, List<AccountRepository.Membership> projects, Action action, Map<String, Object> data) {
        for (AccountRepository.Membership m : projects) {
            RequestContext.command(m.projectId(), AuditActor.user(userId))
                    .run(() -> tenants.inProject(
                            m.projectId(),
                            () -> audit.record(AuditLog.Change.of(
                                    m.projectId(), null, EntityType.USER, Ids.format("usr", userId), action, data))));
        }
    }

    // ---- members (in the request's tenant transaction)

    List<AccountRepository.Member> members(UUID projectId) {
        return repo.members(projectId);
    }

    AccountRepository.Member changeRole(RequestContext context, UUID userId, Role role) {
        UUID project = context.projectId();
        List<UUID> owners = repo.lockOwners(project);
        AccountRepository.Member member = repo.lockMember(project, userId).orElseThrow(AccountService::noMember);
        mayManage(context.caller(), member.role(), role);
        if (member.role() == Role.OWNER && role != Role.OWNER && owners.size() <= 1) {
            throw lastOwner();
        }
        repo.updateRole(project, userId, role, clock.instant());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("email", member.email());
        data.put("role", role.wireName());
        data.put("previous_role", member.role().wireName());
        audit.record(
                AuditLog.Change.of(project, null, EntityType.MEMBER, Ids.format("usr", userId), Action.UPDATED, data));
        return new AccountRepository.Member(userId, member.email(), role, member.createdAt());
    }

    void remove(RequestContext context, UUID userId) {
        UUID project = context.projectId();
        List<UUID> owners = repo.lockOwners(project);
        AccountRepository.Member member = repo.lockMember(project, userId).orElseThrow(AccountService::noMember);
        mayManage(context.caller(), member.role(), member.role());
        if (member.role() == Role.OWNER && owners.size() <= 1) {
            throw lastOwner();
        }
        repo.deleteMember(project, userId);
        audit.record(AuditLog.Change.of(
                project,
                null,
                EntityType.MEMBER,
                Ids.format("usr", userId),
                Action.DELETED,
                Map.of("email", member.email(), "role", member.role().wireName())));
    }

    /** An owner ends every session of a member of the project (wherever they act). */
    void endSessions(RequestContext context, UUID userId) {
        UUID project = context.projectId();
        AccountRepository.Member member = repo.lockMember(project, userId).orElseThrow(AccountService::noMember);
        int ended = repo.deleteSessionsOf(member.userId());
        audit.record(AuditLog.Change.of(
                project,
                null,
                EntityType.USER,
                Ids.format("usr", userId),
                Action.SESSION_REVOKED,
                Map.of("sessions", ended, "all", true)));
    }

    /** A user manages only members whose role they could give, and gives only such roles; keys are admins. */
    private static void mayManage(Caller caller, Role current, Role wanted) {
        if (caller instanceof Caller.User user
                && !(user.role().mayGrant(current) && user.role().mayGrant(wanted))) {
            throw new ApiException(ErrorCode.FORBIDDEN, "Your role in this project cannot manage this member's role.");
        }
    }

    private static NotFound noMember() {
        return new NotFound("Member not found.");
    }

    private static ApiException lastOwner() {
        return new ApiException(ErrorCode.LAST_OWNER, "A project keeps at least one owner: make another owner first.");
    }
}
