package io.colloquy.accounts;

import io.colloquy.platform.Ids;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** What the account routes answer (docs/accounts.md). */
final class AccountViews {
    private AccountViews() {}

    record UserView(String id, String email) {}

    record SessionView(
            String id,
            Instant createdAt,
            Instant lastSeenAt,
            Instant expiresAt,
            @Nullable String address,
            @Nullable String userAgent,
            boolean current) {
        static SessionView of(AccountRepository.SessionInfo s, UUID current) {
            return new SessionView(
                    Ids.format("ses", s.sessionId()),
                    s.createdAt(),
                    s.lastSeenAt(),
                    s.expiresAt(),
                    s.address(),
                    s.userAgent(),
                    s.sessionId().equals(current));
        }
    }

    record ProjectRole(String id, String name, String role) {
        static ProjectRole of(AccountRepository.Membership m) {
            return new ProjectRole(
                    Ids.format("prj", m.projectId()), m.projectName(), m.role().wireName());
        }
    }

    /** The signed-in user: account, this session, its CSRF token (for state-changing requests), projects. */
    record Me(UserView user, SessionView session, String csrfToken, List<ProjectRole> projects) {
        static Me of(AccountService.SignedIn in) {
            return new Me(
                    new UserView(Ids.format("usr", in.userId()), in.email()),
                    SessionView.of(in.session(), in.session().sessionId()),
                    in.csrfToken(),
                    in.projects().stream().map(ProjectRole::of).toList());
        }
    }

    record SessionList(List<SessionView> data) {}

    record MemberView(String userId, String email, String role, Instant createdAt) {
        static MemberView of(AccountRepository.Member m) {
            return new MemberView(
                    Ids.format("usr", m.userId()), m.email(), m.role().wireName(), m.createdAt());
        }
    }

    record MemberList(List<MemberView> data) {}

    /** An invitation; {@code url} is the one-time set-up link, shown only in this answer. */
    record InviteView(String id, String email, String role, Instant expiresAt, String url) {
        static InviteView of(AccountService.Invitation i) {
            return new InviteView(
                    Ids.format("inv", i.inviteId()), i.email(), i.role().wireName(), i.expiresAt(), i.url());
        }
    }
}
