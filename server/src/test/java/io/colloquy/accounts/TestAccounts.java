package io.colloquy.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.TestApi;
import io.colloquy.TestProjects.TestProject;
import java.util.UUID;

/** Object mother for accounts: invitations made with a project's admin key, accepted over HTTP. */
public final class TestAccounts {
    public static final String PASSWORD = "violet-harbour-lantern-42";

    private TestAccounts() {}

    /** A signed-in user: the cookie and CSRF token of their session, and an API acting in {@code project}. */
    public record Session(TestApi plain, String userId, String email, String cookie, String csrf, String sessionId) {
        /** Requests with the session cookie (no CSRF token, no project). */
        public TestApi bare() {
            return plain.withHeader("Cookie", SessionCookies.NAME + "=" + cookie);
        }

        /** Requests with the cookie and the CSRF token, acting in {@code projectId}. */
        public TestApi in(String projectId) {
            return bare().withHeader("X-CSRF-Token", csrf).withHeader("X-Colloquy-Project", projectId);
        }
    }

    /** The project's audit events once they include every action of {@code actions} (the sequencer is asynchronous). */
    public static java.util.List<tools.jackson.databind.JsonNode> eventsWith(TestProject project, String... actions) {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        while (true) {
            java.util.List<tools.jackson.databind.JsonNode> all =
                    io.colloquy.audit.TestAudit.all(project.api(), project.adminKey(), "");
            java.util.Set<String> seen = new java.util.HashSet<>();
            all.forEach(e -> seen.add(e.get("action").asString()));
            if (seen.containsAll(java.util.List.of(actions)) || System.nanoTime() > deadline) {
                assertThat(seen).as("actions sequenced in time").contains(actions);
                return all;
            }
            io.colloquy.audit.TestAudit.sleep(20);
        }
    }

    /** The project's audit events once one of them is {@code wanted}. */
    public static java.util.List<tools.jackson.databind.JsonNode> eventsWhere(
            TestProject project, java.util.function.Predicate<tools.jackson.databind.JsonNode> wanted) {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        while (true) {
            java.util.List<tools.jackson.databind.JsonNode> all =
                    io.colloquy.audit.TestAudit.all(project.api(), project.adminKey(), "");
            if (all.stream().anyMatch(wanted) || System.nanoTime() > deadline) {
                assertThat(all).as("the event sequenced in time").anyMatch(wanted);
                return all;
            }
            io.colloquy.audit.TestAudit.sleep(20);
        }
    }

    public static String anEmail() {
        return "user-" + UUID.randomUUID() + "@example.com";
    }

    /** The token of a new invitation of {@code email} into {@code project} as {@code role}. */
    public static String invite(TestProject project, String email, String role) {
        TestApi.Response r =
                project.api().post(project.adminKey(), "/v1/members", TestApi.json("email", email, "role", role));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        String url = r.text("/url");
        return url.substring(url.indexOf("token=") + "token=".length());
    }

    /** A new user who joined {@code project} as {@code role}, signed in. */
    public static Session member(TestProject project, String role) {
        String email = anEmail();
        return accept(project.api(), invite(project, email, role), PASSWORD);
    }

    public static Session accept(TestApi api, String token, String password) {
        TestApi.Response r =
                api.post(null, "/v1/auth/invites/accept", TestApi.json("token", token, "password", password));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return session(api, r);
    }

    public static Session login(TestApi api, String email, String password) {
        TestApi.Response r = api.post(null, "/v1/auth/login", TestApi.json("email", email, "password", password));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return session(api, r);
    }

    static Session session(TestApi api, TestApi.Response r) {
        return new Session(
                api,
                r.text("/user/id"),
                r.text("/user/email"),
                cookieValue(r.header("Set-Cookie")),
                r.text("/csrf_token"),
                r.text("/session/id"));
    }

    static String cookieValue(String setCookie) {
        assertThat(setCookie).startsWith(SessionCookies.NAME + "=");
        return setCookie.substring(SessionCookies.NAME.length() + 1, setCookie.indexOf(';'));
    }
}
