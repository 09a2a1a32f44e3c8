package io.colloquy.accounts;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.platform.CliCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** Accounts end to end over HTTP: invitations, sign-in, sessions, roles on the API, members, CSRF, back-off. */
@IntegrationTest
class AccountIntegrationTests {
    @LocalServerPort
    int port;

    @Autowired
    List<CliCommand> commands;

    TestApi api;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
    }

    @Test
    void anInvitedUserSetsAPasswordSignsInListsAndRevokesSessionsAndSignsOut() {
        TestProject p = TestProjects.aProject(api);
        String email = TestAccounts.anEmail();
        String token = TestAccounts.invite(p, email, "owner");

        TestApi.Response weak = api.post(null, "/v1/auth/invites/accept", json("token", token, "password", "short"));
        assertThat(weak.status()).isEqualTo(400);
        assertThat(weak.errorCode()).isEqualTo("VALIDATION_FAILED");
        assertThat(weak.text("/error/fields/0/field")).isEqualTo("password");

        TestApi.Response joined =
                api.post(null, "/v1/auth/invites/accept", json("token", token, "password", TestAccounts.PASSWORD));
        assertThat(joined.status()).as(joined.body()).isEqualTo(200);
        String cookie = joined.header("Set-Cookie");
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Strict").contains("Path=/");
        assertThat(cookie).as("plain HTTP from loopback: development").doesNotContain("Secure");
        assertThat(joined.text("/projects/0/id")).isEqualTo(p.id());
        assertThat(joined.text("/projects/0/role")).isEqualTo("owner");

        TestApi.Response again =
                api.post(null, "/v1/auth/invites/accept", json("token", token, "password", TestAccounts.PASSWORD));
        assertThat(again.status()).as("a set-up link works once").isEqualTo(404);

        TestAccounts.Session first = TestAccounts.session(api, joined);
        TestAccounts.Session second =
                TestAccounts.login(api, email.toUpperCase(java.util.Locale.ROOT), TestAccounts.PASSWORD);
        assertThat(second.cookie()).isNotEqualTo(first.cookie());

        TestApi.Response me = second.bare().get(null, "/v1/auth/session");
        assertThat(me.status()).as(me.body()).isEqualTo(200);
        assertThat(me.text("/user/email")).isEqualTo(email);

        TestApi.Response sessions = second.bare().get(null, "/v1/auth/sessions");
        assertThat(sessions.json().get("data").values())
                .extracting(s -> s.get("id").asString())
                .containsExactlyInAnyOrder(first.sessionId(), second.sessionId());

        assertThat(second.bare()
                        .delete(null, "/v1/auth/sessions/" + first.sessionId())
                        .status())
                .as("revoking needs the CSRF token")
                .isEqualTo(403);
        TestApi.Response revoked = second.in(p.id()).delete(null, "/v1/auth/sessions/" + first.sessionId());
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(204);
        assertThat(first.bare().get(null, "/v1/auth/session").status()).isEqualTo(401);

        TestApi.Response out = second.in(p.id()).post(null, "/v1/auth/logout", null);
        assertThat(out.status()).as(out.body()).isEqualTo(204);
        assertThat(out.header("Set-Cookie")).contains("Max-Age=0");
        assertThat(second.bare().get(null, "/v1/auth/session").status()).isEqualTo(401);

        List<JsonNode> events = TestAccounts.eventsWith(p, "joined", "login", "session.revoked", "logout");
        assertThat(events)
                .filteredOn(e -> e.at("/actor/type").asString().equals("user"))
                .extracting(e -> e.get("action").asString())
                .contains("joined", "login", "session.revoked", "logout");
    }

    @Test
    void theCookieIsSecureForAClientThatIsNotOnThisMachine() {
        TestProject p = TestProjects.aProject(api);
        TestApi remote = api.viaProxy("198.51.100.7");
        TestApi.Response r = remote.post(
                null,
                "/v1/auth/invites/accept",
                json(
                        "token",
                        TestAccounts.invite(p, TestAccounts.anEmail(), "viewer"),
                        "password",
                        TestAccounts.PASSWORD));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.header("Set-Cookie"))
                .contains("Secure")
                .contains("HttpOnly")
                .contains("SameSite=Strict");
    }

    @Test
    void aSessionActsWithTheCapabilitiesOfItsRole() {
        TestProject p = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String dialogue = p.dialogue(ns);
        TestAccounts.Session viewer = TestAccounts.member(p, "viewer");
        TestAccounts.Session member = TestAccounts.member(p, "member");
        TestAccounts.Session admin = TestAccounts.member(p, "admin");
        TestAccounts.Session owner = TestAccounts.member(p, "owner");

        assertThat(viewer.in(p.id())
                        .get(null, "/v1/namespaces/" + ns + "/dialogues/" + dialogue)
                        .status())
                .isEqualTo(200);
        TestApi.Response viewerWrites = viewer.in(p.id()).post(null, "/v1/namespaces/" + ns + "/dialogues", "{}");
        assertThat(viewerWrites.status()).isEqualTo(403);
        assertThat(viewerWrites.errorCode()).isEqualTo("FORBIDDEN");
        assertThat(member.in(p.id())
                        .post(null, "/v1/namespaces/" + ns + "/dialogues", "{}")
                        .status())
                .isEqualTo(201);
        assertThat(member.in(p.id()).get(null, "/v1/members").status()).isEqualTo(403);
        assertThat(admin.in(p.id()).get(null, "/v1/members").status()).isEqualTo(200);
        assertThat(admin.in(p.id()).delete(null, "/v1/project").status())
                .as("only an owner deletes the project")
                .isEqualTo(403);
        assertThat(admin.in(p.id())
                        .post(null, "/v1/members", json("email", TestAccounts.anEmail(), "role", "owner"))
                        .status())
                .as("an admin cannot make owners")
                .isEqualTo(403);
        assertThat(owner.in(p.id())
                        .post(null, "/v1/members", json("email", TestAccounts.anEmail(), "role", "owner"))
                        .status())
                .isEqualTo(201);
        assertThat(admin.in(p.id()).get(null, "/v1/keys").status())
                .as("key routes still need an API key")
                .isEqualTo(403);
        TestApi.Response noProject = member.bare().get(null, "/v1/namespaces/" + ns + "/dialogues");
        assertThat(noProject.status()).isEqualTo(400);
        assertThat(noProject.errorCode()).isEqualTo("VALIDATION_FAILED");

        java.util.function.Predicate<JsonNode> byUser =
                e -> e.get("action").asString().equals("created")
                        && e.get("entity_type").asString().equals("dialogue")
                        && e.at("/actor/type").asString().equals("user");
        assertThat(TestAccounts.eventsWhere(p, byUser))
                .filteredOn(byUser)
                .extracting(e -> e.at("/actor/id").asString())
                .containsExactly(member.userId());
    }

    @Test
    void aMemberOfOneProjectReachesNothingOfAnotherWithTheirSession() {
        TestProject a = TestProjects.aProject(api);
        TestProject b = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String dialogueOfB = b.dialogue(ns);
        String memoryOfB = b.memory(ns, "b's secret");
        TestAccounts.Session owner = TestAccounts.member(a, "owner");

        for (TestApi.Response r : List.of(
                owner.in(b.id()).get(null, "/v1/namespaces/" + ns + "/dialogues/" + dialogueOfB),
                owner.in(b.id()).get(null, "/v1/namespaces/" + ns + "/dialogues"),
                owner.in(b.id()).get(null, "/v1/members"),
                owner.in(b.id()).post(null, "/v1/namespaces/" + ns + "/dialogues", "{}"),
                owner.in(b.id()).post(null, "/v1/members", json("email", TestAccounts.anEmail(), "role", "owner")),
                owner.in(a.id()).get(null, "/v1/namespaces/" + ns + "/dialogues/" + dialogueOfB),
                owner.in(a.id()).get(null, "/v1/namespaces/" + ns + "/memories/" + memoryOfB))) {
            assertThat(r.status()).as(r.body()).isEqualTo(404);
            assertThat(r.errorCode()).isEqualTo("NOT_FOUND");
        }
        TestApi.Response listed = owner.in(a.id()).get(null, "/v1/namespaces/" + ns + "/dialogues");
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.json().get("data").values()).isEmpty();
        TestApi.Response members = b.api().get(b.adminKey(), "/v1/members");
        assertThat(members.json().get("data").values()).isEmpty();
    }

    @Test
    void everyStateChangingRouteRefusesASessionWithoutItsCsrfToken() {
        TestProject p = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String dialogue = p.dialogue(ns);
        TestAccounts.Session owner = TestAccounts.member(p, "owner");
        TestAccounts.Session other = TestAccounts.member(p, "viewer");
        TestApi noToken = owner.bare().withHeader("X-Colloquy-Project", p.id());
        TestApi wrongToken = noToken.withHeader("X-CSRF-Token", other.csrf());
        for (TestApi without : List.of(noToken, wrongToken)) {
            for (TestApi.Response r : List.of(
                    without.post(null, "/v1/namespaces/" + ns + "/dialogues", "{}"),
                    without.patch(null, "/v1/namespaces/" + ns + "/dialogues/" + dialogue, "{\"title\":\"x\"}"),
                    without.delete(null, "/v1/namespaces/" + ns + "/dialogues/" + dialogue),
                    without.post(null, "/v1/members", json("email", TestAccounts.anEmail(), "role", "viewer")),
                    without.patch(null, "/v1/members/" + other.userId(), json("role", "admin")),
                    without.delete(null, "/v1/members/" + other.userId()),
                    without.delete(null, "/v1/members/" + other.userId() + "/sessions"),
                    without.delete(null, "/v1/project"),
                    without.post(null, "/v1/auth/logout", null),
                    without.delete(null, "/v1/auth/sessions/" + owner.sessionId()))) {
                assertThat(r.status()).as(r.body()).isEqualTo(403);
                assertThat(r.errorCode()).isEqualTo("FORBIDDEN");
            }
        }
        assertThat(p.api()
                        .get(p.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + dialogue)
                        .status())
                .isEqualTo(200);
        assertThat(other.bare().get(null, "/v1/auth/session").status()).isEqualTo(200);
    }

    @Test
    void signingInEndsTheSessionTheBrowserPresentedSoAPlantedSessionIdIsUseless() {
        TestProject p = TestProjects.aProject(api);
        TestAccounts.Session planted = TestAccounts.member(p, "member");
        TestApi.Response r = planted.bare()
                .post(null, "/v1/auth/login", json("email", planted.email(), "password", TestAccounts.PASSWORD));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        String fresh = TestAccounts.cookieValue(r.header("Set-Cookie"));
        assertThat(fresh).isNotEqualTo(planted.cookie());
        assertThat(planted.bare().get(null, "/v1/auth/session").status()).isEqualTo(401);
    }

    @Test
    void aProjectAlwaysKeepsAnOwnerAndAnOwnerEndsEverySessionOfAMember() {
        TestProject p = TestProjects.aProject(api);
        TestAccounts.Session owner = TestAccounts.member(p, "owner");
        TestAccounts.Session member = TestAccounts.member(p, "member");
        TestAccounts.Session admin = TestAccounts.member(p, "admin");

        TestApi.Response demote = owner.in(p.id()).patch(null, "/v1/members/" + owner.userId(), json("role", "admin"));
        assertThat(demote.status()).as(demote.body()).isEqualTo(409);
        assertThat(demote.errorCode()).isEqualTo("LAST_OWNER");
        assertThat(p.api().delete(p.adminKey(), "/v1/members/" + owner.userId()).errorCode())
                .isEqualTo("LAST_OWNER");
        assertThat(admin.in(p.id())
                        .patch(null, "/v1/members/" + owner.userId(), json("role", "viewer"))
                        .status())
                .as("an admin does not demote an owner")
                .isEqualTo(403);

        TestApi.Response promote =
                owner.in(p.id()).patch(null, "/v1/members/" + member.userId(), json("role", "owner"));
        assertThat(promote.status()).as(promote.body()).isEqualTo(200);
        assertThat(promote.text("/role")).isEqualTo("owner");
        assertThat(owner.in(p.id())
                        .patch(null, "/v1/members/" + owner.userId(), json("role", "admin"))
                        .status())
                .isEqualTo(200);

        assertThat(admin.in(p.id())
                        .delete(null, "/v1/members/" + member.userId() + "/sessions")
                        .status())
                .as("ending a member's sessions is the owners'")
                .isEqualTo(403);
        TestApi.Response ended = member.in(p.id()).delete(null, "/v1/members/" + admin.userId() + "/sessions");
        assertThat(ended.status()).as(ended.body()).isEqualTo(204);
        assertThat(admin.bare().get(null, "/v1/auth/session").status()).isEqualTo(401);
        assertThat(admin.in(p.id()).get(null, "/v1/project").status()).isEqualTo(401);
    }

    @Test
    void failedSignInsBackOffExponentiallyPerAccountAndRaiseAnAlert() {
        TestProject p = TestProjects.aProject(api);
        TestAccounts.Session user = TestAccounts.member(p, "member");
        TestApi attacker = api.viaProxy("203.0.113." + (1 + new java.util.Random().nextInt(250)));
        for (int i = 0; i < 3; i++) {
            TestApi.Response r = attacker.post(
                    null, "/v1/auth/login", json("email", user.email(), "password", "wrong-password-" + i + "-xyz"));
            assertThat(r.status()).as(r.body()).isEqualTo(401);
        }
        TestApi.Response fourth =
                attacker.post(null, "/v1/auth/login", json("email", user.email(), "password", "wrong-password-4-xyz"));
        assertThat(fourth.status()).isEqualTo(401);
        TestApi.Response locked =
                api.post(null, "/v1/auth/login", json("email", user.email(), "password", TestAccounts.PASSWORD));
        assertThat(locked.status())
                .as("locked for the account, even with the right password")
                .isEqualTo(429);
        assertThat(locked.errorCode()).isEqualTo("RATE_LIMIT_EXCEEDED");
        assertThat(Integer.parseInt(locked.header("Retry-After"))).isBetween(1, 2);

        List<JsonNode> events = TestAccounts.eventsWith(p, "login.failed", "login.alert");
        assertThat(events)
                .filteredOn(e -> e.get("action").asString().equals("login.failed"))
                .hasSizeGreaterThanOrEqualTo(4)
                .allSatisfy(e -> assertThat(e.at("/actor/type").asString()).isEqualTo("user"));
        assertThat(events)
                .anySatisfy(e -> assertThat(e.get("action").asString()).isEqualTo("login.alert"));
        TestApi.Response metrics = api.get(null, "/v1/auth/session");
        assertThat(metrics.status()).isEqualTo(401);
    }

    @Test
    void theUserInviteCommandPrintsAOneTimeSetUpLinkForTheFirstOwner() {
        TestProject p = TestProjects.aProject(api);
        CliCommand invite = commands.stream()
                .filter(c -> c.words().equals(List.of("user", "invite")))
                .findFirst()
                .orElseThrow();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String email = TestAccounts.anEmail();
        int code = invite.run(
                List.of(email, "--project", p.id(), "--role", "owner"),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(code).isZero();
        String printed = out.toString(StandardCharsets.UTF_8);
        String url = printed.lines()
                .filter(l -> l.contains("/console/invite?token="))
                .findFirst()
                .orElseThrow();
        TestAccounts.Session owner =
                TestAccounts.accept(api, url.substring(url.indexOf("token=") + 6), TestAccounts.PASSWORD);
        assertThat(owner.email()).isEqualTo(email);

        TestApi.Response overHttp = api.post(
                IntegrationTest.OPERATOR_TOKEN,
                "/v1/projects/" + p.id() + "/invites",
                json("email", TestAccounts.anEmail(), "role", "owner"));
        assertThat(overHttp.status()).as(overHttp.body()).isEqualTo(201);
        assertThat(overHttp.text("/url")).contains("/console/invite?token=");
        assertThat(api.post(
                                IntegrationTest.OPERATOR_TOKEN,
                                "/v1/projects/prj_" + "0".repeat(32) + "/invites",
                                json("email", TestAccounts.anEmail(), "role", "owner"))
                        .status())
                .isEqualTo(404);
    }

    @Test
    void consoleFormsRefuseAMissingOrWrongCsrfTokenAndPagesCarryAStrictNoncePolicy() {
        TestProject p = TestProjects.aProject(api);
        TestAccounts.Session user = TestAccounts.member(p, "member");
        java.util.Map<String, String> form = java.util.Map.of("Content-Type", "application/x-www-form-urlencoded");

        TestApi.Response page = api.get(null, "/console/sign-in");
        assertThat(page.status()).isEqualTo(200);
        String policy = page.header("Content-Security-Policy");
        assertThat(policy)
                .startsWith("default-src 'none'; style-src 'nonce-")
                .contains("form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'")
                .doesNotContain("unsafe", "script-src");
        String nonce =
                policy.substring(policy.indexOf("'nonce-") + 7, policy.indexOf('\'', policy.indexOf("'nonce-") + 7));
        assertThat(page.body())
                .contains("nonce=\"" + nonce + "\"")
                .doesNotContain("<script")
                .doesNotContainPattern(" on[a-z]+=");
        assertThat(api.get(null, "/console/sign-in").header("Content-Security-Policy"))
                .as("a nonce per response")
                .isNotEqualTo(policy);

        String body = "email=" + java.net.URLEncoder.encode(user.email(), StandardCharsets.UTF_8) + "&password="
                + TestAccounts.PASSWORD;
        TestApi.Response noToken = api.send("POST", "/console/sign-in", null, body, form);
        assertThat(noToken.status()).isEqualTo(403);
        assertThat(noToken.header("Set-Cookie")).doesNotContain(SessionCookies.NAME + "=");

        TestApi.Response signOutWithoutToken = user.bare().send("POST", "/console/sign-out", null, "csrf=wrong", form);
        assertThat(signOutWithoutToken.status()).isEqualTo(303);
        assertThat(user.bare().get(null, "/v1/auth/session").status())
                .as("still signed in")
                .isEqualTo(200);
        TestApi.Response endWithoutToken =
                user.bare().send("POST", "/console/sessions/" + user.sessionId() + "/end", null, "", form);
        assertThat(endWithoutToken.status()).isEqualTo(303);
        assertThat(user.bare().get(null, "/v1/auth/session").status()).isEqualTo(200);

        TestApi.Response signOut = user.bare().send("POST", "/console/sign-out", null, "csrf=" + user.csrf(), form);
        assertThat(signOut.header("Location")).isEqualTo("/console/sign-in?done=signed-out");
        assertThat(user.bare().get(null, "/v1/auth/session").status()).isEqualTo(401);
        assertThat(user.bare().get(null, "/console/projects").header("Location"))
                .isEqualTo("/console/sign-in");
    }
}
