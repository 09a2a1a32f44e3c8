package io.colloquy.keys;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.platform.DatabaseEndpoint;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

@IntegrationTest
class ApiKeyIntegrationTests {
    @LocalServerPort
    int port;

    @Autowired
    DatabaseEndpoint db;

    TestApi api;
    TestProject project;
    String ns;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
        project = TestProjects.aProject(api);
        ns = TestProjects.aNamespace();
    }

    @Test
    void theAppRoleCanTouchAKeysLastUseButRewriteNothingElseOfIt() throws Exception {
        String reader = project.key("read");
        String keyId = reader.split("_")[2];
        java.util.UUID id = TestProjects.uuid("key_" + keyId);
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.appUser(), db.appPassword())) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT colloquy.touch_api_key('" + id + "')");
                s.execute("SET LOCAL app.key_id = '" + id + "'");
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.executeUpdate(
                                "UPDATE colloquy.api_keys SET capabilities = '{admin}' WHERE key_id = '" + id + "'"))
                        .isInstanceOf(java.sql.SQLException.class)
                        .satisfies(e -> assertThat(((java.sql.SQLException) e).getSQLState())
                                .isEqualTo("42501"));
            }
            c.rollback();
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL app.key_id = '" + id + "'");
                assertThat(s.executeUpdate(
                                "UPDATE colloquy.api_keys SET last_used_at = now() WHERE key_id = '" + id + "'"))
                        .isEqualTo(1);
            }
            c.commit();
        }
        TestApi.Response asReader = api.post(reader, "/v1/namespaces/" + ns + "/dialogues", json("title", "x"));
        assertThat(asReader.status()).isEqualTo(403);
        assertThat(api.get(reader, "/v1/namespaces/" + ns + "/dialogues").status())
                .isEqualTo(200);
    }

    @Test
    void issuesAKeyShownOnceAndListsKeysWithoutSecrets() {
        TestApi.Response created = api.post(
                project.adminKey(),
                "/v1/keys",
                json(
                        "name",
                        "reader",
                        "capabilities",
                        List.of("read"),
                        "ip_allowlist",
                        List.of("10.0.0.0/8", "2001:db8::/32")));
        assertThat(created.status()).isEqualTo(201);
        String key = created.text("/key");
        assertThat(key).matches("cq_key_[0-9a-f]{32}_[A-Za-z0-9_-]{43}");
        assertThat(key).startsWith("cq_" + created.text("/id") + "_");
        assertThat(created.json().get("capabilities").get(0).asString()).isEqualTo("read");
        assertThat(created.json().get("ip_allowlist").get(1).asString()).isEqualTo("2001:db8:0:0:0:0:0:0/32");
        TestApi.Response list = api.get(project.adminKey(), "/v1/keys");
        assertThat(list.json().get("data")).hasSize(2);
        assertThat(list.body()).doesNotContain(key.substring(40)).doesNotContain("\"key\":");
    }

    @Test
    void storesOnlyADigestOfTheKey() throws Exception {
        String key = project.key("read");
        String secret = key.substring(key.lastIndexOf('_') + 1);
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.ownerUser(), db.ownerPassword());
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SELECT colloquy.set_tenant('" + TestProjects.uuid(project.id()) + "', '*')");
            try (ResultSet r = s.executeQuery("SELECT secret_digest FROM colloquy.api_keys")) {
                int rows = 0;
                while (r.next()) {
                    rows++;
                    byte[] digest = r.getBytes(1);
                    assertThat(digest).hasSize(32);
                    assertThat(new String(digest, java.nio.charset.StandardCharsets.ISO_8859_1))
                            .doesNotContain(secret);
                }
                assertThat(rows).isEqualTo(2);
            }
            c.rollback();
        }
    }

    @Test
    void capabilitiesAreEnforcedAndAdminImpliesWriteImpliesRead() {
        String reader = project.key("read");
        String writer = project.key("write");
        String dialogues = "/v1/namespaces/" + ns + "/dialogues";
        assertThat(api.get(reader, dialogues).status()).isEqualTo(200);
        TestApi.Response denied = api.post(reader, dialogues, "{}");
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.errorCode()).isEqualTo("FORBIDDEN");
        assertThat(denied.json().at("/error/type").asString()).isEqualTo("authorization");
        assertThat(api.post(writer, dialogues, "{}").status()).isEqualTo(201);
        assertThat(api.get(writer, dialogues).status()).isEqualTo(200);
        assertThat(api.get(writer, "/v1/keys").status()).isEqualTo(403);
        assertThat(api.patch(writer, "/v1/project", json("name", "x")).status()).isEqualTo(403);
        assertThat(api.get(reader, "/v1/project").status()).isEqualTo(200);
        assertThat(api.post(project.adminKey(), dialogues, "{}").status()).isEqualTo(201);
    }

    @Test
    void revocationTakesEffectOnTheVeryNextRequest() {
        TestApi.Response created = api.post(project.adminKey(), "/v1/keys", json("capabilities", List.of("read")));
        String key = created.text("/key");
        assertThat(api.get(key, "/v1/project").status()).isEqualTo(200);
        assertThat(api.delete(project.adminKey(), "/v1/keys/" + created.text("/id"))
                        .status())
                .isEqualTo(204);
        TestApi.Response after = api.get(key, "/v1/project");
        assertThat(after.status()).isEqualTo(401);
        assertThat(after.errorCode()).isEqualTo("UNAUTHENTICATED");
        assertThat(api.delete(project.adminKey(), "/v1/keys/" + created.text("/id"))
                        .status())
                .isEqualTo(404);
    }

    @Test
    void expiredKeysAreRejected() throws Exception {
        TestApi.Response created = api.post(
                project.adminKey(),
                "/v1/keys",
                json(
                        "capabilities",
                        List.of("read"),
                        "expires_at",
                        Instant.now().plusSeconds(2).toString()));
        String key = created.text("/key");
        assertThat(api.get(key, "/v1/project").status()).isEqualTo(200);
        Thread.sleep(2_200);
        assertThat(api.get(key, "/v1/project").status()).isEqualTo(401);
    }

    @Test
    void malformedUnknownAndTamperedKeysAreUnauthenticated() {
        String key = project.key("read");
        String tampered = key.substring(0, key.length() - 1) + (key.endsWith("A") ? "B" : "A");
        for (String bad : List.of(
                "nonsense",
                "cq_key_zz_abc",
                tampered,
                "cq_key_" + "0".repeat(32) + "_" + "A".repeat(43),
                IntegrationTest.OPERATOR_TOKEN)) {
            TestApi.Response r = api.get(bad, "/v1/project");
            assertThat(r.status()).as(bad).isEqualTo(401);
            assertThat(r.errorCode()).isEqualTo("UNAUTHENTICATED");
            assertThat(r.json().at("/error/type").asString()).isEqualTo("authentication");
        }
        assertThat(api.send("GET", "/v1/project", null, null, java.util.Map.of("Authorization", "Basic abc"))
                        .status())
                .isEqualTo(401);
        assertThat(api.get(null, "/v1/project").status()).isEqualTo(401);
    }

    @Test
    void lastUsedAtIsRecorded() {
        String key = project.key("read");
        api.get(key, "/v1/project");
        TestApi.Response list = api.get(project.adminKey(), "/v1/keys");
        boolean recorded = false;
        for (var k : list.json().get("data")) {
            if (key.startsWith("cq_" + k.get("id").asString() + "_")) {
                recorded = !k.get("last_used_at").isNull();
            }
        }
        assertThat(recorded).isTrue();
    }
}
