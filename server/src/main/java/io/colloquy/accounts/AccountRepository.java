package io.colloquy.accounts;

import io.colloquy.keys.Role;
import io.colloquy.platform.Sql;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Users, memberships, invitations and sessions. User-level statements run after {@code colloquy.set_user} (or a
 * lookup function naming one row); project-level ones in a tenant transaction of the project.
 */
@Repository
class AccountRepository {
    private final JdbcClient jdbc;

    AccountRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    record Login(UUID userId, String email, @Nullable String passwordHash) {}

    record SessionRow(
            UUID sessionId,
            UUID userId,
            byte[] secretDigest,
            String csrfToken,
            Instant createdAt,
            Instant lastSeenAt,
            Instant expiresAt) {}

    record SessionInfo(
            UUID sessionId,
            Instant createdAt,
            Instant lastSeenAt,
            Instant expiresAt,
            @Nullable String address,
            @Nullable String userAgent) {}

    record Membership(UUID projectId, String projectName, Role role, String plan, List<String> ipAllowlist) {}

    record Member(UUID userId, String email, Role role, Instant createdAt) {}

    record Invite(UUID projectId, String email, Role role, byte[] secretDigest, Instant expiresAt) {}

    void actAs(UUID userId) {
        jdbc.sql("SELECT colloquy.set_user(:user)")
                .param("user", userId)
                .query()
                .singleRow();
    }

    Optional<Login> findLogin(String email) {
        return jdbc.sql("SELECT user_id, email, password_hash FROM colloquy.find_login(:email)")
                .param("email", email)
                .query((rs, n) -> new Login(
                        rs.getObject("user_id", UUID.class), rs.getString("email"), rs.getString("password_hash")))
                .optional();
    }

    /** A new account; the transaction must act as {@code userId}. */
    void insertUser(UUID userId, String email, String passwordHash, Instant now) {
        jdbc.sql("""
                        INSERT INTO colloquy.users (user_id, email, password_hash, created_at, updated_at)
                        VALUES (:user, :email, :hash, :now, :now)""")
                .param("user", userId)
                .param("email", email)
                .param("hash", passwordHash)
                .param("now", Sql.timestamptz(now))
                .update();
    }

    void setPassword(UUID userId, String passwordHash, Instant now) {
        jdbc.sql("UPDATE colloquy.users SET password_hash = :hash, updated_at = :now WHERE user_id = :user")
                .param("user", userId)
                .param("hash", passwordHash)
                .param("now", Sql.timestamptz(now))
                .update();
    }

    Optional<String> email(UUID userId) {
        return jdbc.sql("SELECT email FROM colloquy.users WHERE user_id = :user")
                .param("user", userId)
                .query(String.class)
                .optional();
    }

    // ---- sessions

    void insertSession(
            UUID sessionId,
            UUID userId,
            byte[] digest,
            String csrf,
            Instant now,
            Instant expires,
            String address,
            @Nullable String userAgent) {
        jdbc.sql("""
                        INSERT INTO colloquy.sessions (session_id, user_id, secret_digest, csrf_token, created_at,
                                                       last_seen_at, expires_at, address, user_agent)
                        VALUES (:session, :user, :digest, :csrf, :now, :now, :expires, :address, :agent)""")
                .param("session", sessionId)
                .param("user", userId)
                .param("digest", digest)
                .param("csrf", csrf)
                .param("now", Sql.timestamptz(now))
                .param("expires", Sql.timestamptz(expires))
                .param("address", address)
                .param("agent", userAgent)
                .update();
    }

    /** The session a cookie names; from then on the transaction may touch or end exactly that row. */
    Optional<SessionRow> findSession(UUID sessionId) {
        return jdbc.sql("""
                        SELECT user_id, secret_digest, csrf_token, created_at, last_seen_at, expires_at
                          FROM colloquy.find_session(:session)""")
                .param("session", sessionId)
                .query((rs, n) -> new SessionRow(
                        sessionId,
                        rs.getObject("user_id", UUID.class),
                        rs.getBytes("secret_digest"),
                        rs.getString("csrf_token"),
                        Sql.requiredInstant(rs, "created_at"),
                        Sql.requiredInstant(rs, "last_seen_at"),
                        Sql.requiredInstant(rs, "expires_at")))
                .optional();
    }

    void touchSession(UUID sessionId, Instant now) {
        jdbc.sql("UPDATE colloquy.sessions SET last_seen_at = :now WHERE session_id = :session")
                .param("session", sessionId)
                .param("now", Sql.timestamptz(now))
                .update();
    }

    boolean deleteSession(UUID sessionId) {
        return jdbc.sql("DELETE FROM colloquy.sessions WHERE session_id = :session")
                        .param("session", sessionId)
                        .update()
                > 0;
    }

    /** The sessions of the user the transaction acts as. */
    List<SessionInfo> sessions(UUID userId) {
        return jdbc.sql("""
                        SELECT session_id, created_at, last_seen_at, expires_at, address, user_agent
                          FROM colloquy.sessions WHERE user_id = :user ORDER BY created_at DESC, session_id""")
                .param("user", userId)
                .query((rs, n) -> new SessionInfo(
                        rs.getObject("session_id", UUID.class),
                        Sql.requiredInstant(rs, "created_at"),
                        Sql.requiredInstant(rs, "last_seen_at"),
                        Sql.requiredInstant(rs, "expires_at"),
                        rs.getString("address"),
                        rs.getString("user_agent")))
                .list();
    }

    /** Ends every session of a user: their own (acting as them), or a member's (in a tenant transaction). */
    int deleteSessionsOf(UUID userId) {
        return jdbc.sql("DELETE FROM colloquy.sessions WHERE user_id = :user")
                .param("user", userId)
                .update();
    }

    // ---- memberships

    /** The projects of the user the transaction acts as. */
    List<Membership> memberships(UUID userId) {
        return jdbc.sql("""
                        SELECT m.project_id, m.role, p.name, p.plan, p.ip_allowlist
                          FROM colloquy.memberships m JOIN colloquy.projects p ON p.project_id = m.project_id
                         WHERE m.user_id = :user ORDER BY p.name, m.project_id""")
                .param("user", userId)
                .query(AccountRepository::membership)
                .list();
    }

    Optional<Membership> membership(UUID userId, UUID projectId) {
        return jdbc.sql("""
                        SELECT m.project_id, m.role, p.name, p.plan, p.ip_allowlist
                          FROM colloquy.memberships m JOIN colloquy.projects p ON p.project_id = m.project_id
                         WHERE m.user_id = :user AND m.project_id = :project""")
                .param("user", userId)
                .param("project", projectId)
                .query(AccountRepository::membership)
                .optional();
    }

    private static Membership membership(ResultSet rs, int n) throws SQLException {
        return new Membership(
                rs.getObject("project_id", UUID.class),
                rs.getString("name"),
                role(rs.getString("role")),
                rs.getString("plan"),
                Sql.strings(rs, "ip_allowlist"));
    }

    void insertMembership(UUID projectId, UUID userId, Role role, Instant now) {
        jdbc.sql("""
                        INSERT INTO colloquy.memberships (project_id, user_id, role, created_at, updated_at)
                        VALUES (:project, :user, :role, :now, :now)
                        ON CONFLICT (project_id, user_id) DO NOTHING""")
                .param("project", projectId)
                .param("user", userId)
                .param("role", role.wireName())
                .param("now", Sql.timestamptz(now))
                .update();
    }

    List<Member> members(UUID projectId) {
        return jdbc.sql("""
                        SELECT m.user_id, u.email, m.role, m.created_at
                          FROM colloquy.memberships m JOIN colloquy.users u ON u.user_id = m.user_id
                         WHERE m.project_id = :project ORDER BY lower(u.email)""")
                .param("project", projectId)
                .query(AccountRepository::member)
                .list();
    }

    /** A member, its row locked until the transaction ends (role changes and removals keep one owner). */
    Optional<Member> lockMember(UUID projectId, UUID userId) {
        return jdbc.sql("""
                        SELECT m.user_id, u.email, m.role, m.created_at
                          FROM colloquy.memberships m JOIN colloquy.users u ON u.user_id = m.user_id
                         WHERE m.project_id = :project AND m.user_id = :user FOR UPDATE OF m""")
                .param("project", projectId)
                .param("user", userId)
                .query(AccountRepository::member)
                .optional();
    }

    /** The owners of a project, every one of their rows locked: two demotions at once cannot leave none. */
    List<UUID> lockOwners(UUID projectId) {
        return jdbc.sql("""
                        SELECT user_id FROM colloquy.memberships
                         WHERE project_id = :project AND role = 'owner' ORDER BY user_id FOR UPDATE""").param("project", projectId).query(UUID.class).list();
    }

    void updateRole(UUID projectId, UUID userId, Role role, Instant now) {
        jdbc.sql("""
                        UPDATE colloquy.memberships SET role = :role, updated_at = :now
                         WHERE project_id = :project AND user_id = :user""")
                .param("project", projectId)
                .param("user", userId)
                .param("role", role.wireName())
                .param("now", Sql.timestamptz(now))
                .update();
    }

    void deleteMember(UUID projectId, UUID userId) {
        jdbc.sql("DELETE FROM colloquy.memberships WHERE project_id = :project AND user_id = :user")
                .param("project", projectId)
                .param("user", userId)
                .update();
    }

    private static Member member(ResultSet rs, int n) throws SQLException {
        return new Member(
                rs.getObject("user_id", UUID.class),
                rs.getString("email"),
                role(rs.getString("role")),
                Sql.requiredInstant(rs, "created_at"));
    }

    // ---- invitations

    boolean projectExists(UUID projectId) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM colloquy.projects WHERE project_id = :project)")
                .param("project", projectId)
                .query(Boolean.class)
                .single();
    }

    void insertInvite(
            UUID projectId, UUID inviteId, String email, Role role, byte[] digest, Instant now, Instant expires) {
        jdbc.sql("""
                        INSERT INTO colloquy.invites (project_id, invite_id, email, role, secret_digest, created_at, expires_at)
                        VALUES (:project, :invite, :email, :role, :digest, :now, :expires)""")
                .param("project", projectId)
                .param("invite", inviteId)
                .param("email", email)
                .param("role", role.wireName())
                .param("digest", digest)
                .param("now", Sql.timestamptz(now))
                .param("expires", Sql.timestamptz(expires))
                .update();
    }

    Optional<Invite> findInvite(UUID inviteId) {
        return jdbc.sql("SELECT project_id, email, role, secret_digest, expires_at FROM colloquy.find_invite(:invite)")
                .param("invite", inviteId)
                .query((rs, n) -> new Invite(
                        rs.getObject("project_id", UUID.class),
                        rs.getString("email"),
                        role(rs.getString("role")),
                        rs.getBytes("secret_digest"),
                        Sql.requiredInstant(rs, "expires_at")))
                .optional();
    }

    /** Uses up an invitation (in its project's tenant transaction); false when another acceptance did first. */
    boolean deleteInvite(UUID projectId, UUID inviteId) {
        return jdbc.sql("DELETE FROM colloquy.invites WHERE project_id = :project AND invite_id = :invite")
                        .param("project", projectId)
                        .param("invite", inviteId)
                        .update()
                > 0;
    }

    private static Role role(String wire) {
        return Role.fromWire(wire).orElseThrow(() -> new IllegalStateException("unknown role " + wire));
    }
}
