package io.colloquy.dialogues;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestConcurrency;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.audit.TestAudit;
import io.colloquy.platform.DatabaseEndpoint;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** A dialogue's client-chosen key: unique in its namespace, found and created by it in one round trip. */
@IntegrationTest
class DialogueKeyIntegrationTests {
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

    private String base() {
        return "/v1/namespaces/" + ns + "/dialogues";
    }

    private TestApi.Response put(String key, String body) {
        return api.send(
                "PUT",
                base() + "/by-key/" + key,
                project.adminKey(),
                body,
                body == null ? Map.of() : Map.of("Content-Type", "application/json"));
    }

    @Test
    void createsADialogueWithAKeyFindsItByTheKeyAndRefusesTheKeyTwice() {
        TestApi.Response created = api.post(project.adminKey(), base(), json("key", "chat:user@42", "title", "t"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.text("/key")).isEqualTo("chat:user@42");

        TestApi.Response found = api.get(project.adminKey(), base() + "/by-key/chat:user@42");
        assertThat(found.status()).isEqualTo(200);
        assertThat(found.json()).isEqualTo(created.json());
        assertThat(api.get(project.adminKey(), base() + "/" + created.text("/id"))
                        .json())
                .isEqualTo(created.json());

        TestApi.Response again = api.post(project.adminKey(), base(), json("key", "chat:user@42"));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.errorCode()).isEqualTo("ALREADY_EXISTS");
        assertThat(again.text("/error/type")).isEqualTo("conflict");
        assertThat(api.get(project.adminKey(), base()).json().get("data")).hasSize(1);

        TestApi.Response keyless = api.post(project.adminKey(), base(), json("title", "no key"));
        assertThat(keyless.json().get("key").isNull()).isTrue();
    }

    @Test
    void putByKeyCreatesOnceWithTheBodyAndThenReturnsTheSameDialogue() {
        TestApi.Response created = put("conv-1", json("title", "first", "tags", List.of("a")));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.text("/title")).isEqualTo("first");
        assertThat(created.text("/key")).isEqualTo("conv-1");

        TestApi.Response existing = put("conv-1", json("title", "ignored"));
        assertThat(existing.status()).isEqualTo(200);
        assertThat(existing.json()).isEqualTo(created.json());

        assertThat(TestAudit.events(api, project.adminKey(), 3).stream()
                        .filter(e -> e.at("/data/id").asString("").equals(created.text("/id"))))
                .singleElement()
                .satisfies(e -> assertThat(e.at("/data/key").asString()).isEqualTo("conv-1"));

        TestApi.Response bodiless = put("conv-2", null);
        assertThat(bodiless.status()).as(bodiless.body()).isEqualTo(201);
        assertThat(bodiless.json().get("title").isNull()).isTrue();
        assertThat(put("conv-2", null).text("/id")).isEqualTo(bodiless.text("/id"));
    }

    @Test
    void concurrentPutsOfOneKeyMakeOneDialogue() throws Exception {
        List<TestApi.Response> responses = TestConcurrency.inParallel(16, i -> put("raced", null));
        assertThat(responses).allMatch(r -> r.status() == 200 || r.status() == 201);
        assertThat(responses.stream().filter(r -> r.status() == 201)).hasSize(1);
        assertThat(responses.stream().map(r -> r.text("/id")).distinct()).hasSize(1);
        assertThat(api.get(project.adminKey(), base()).json().get("data")).hasSize(1);
    }

    @Test
    void refusesMalformedKeysWithTheFieldNamed() {
        List<TestApi.Response> bad = new ArrayList<>();
        bad.add(api.post(project.adminKey(), base(), json("key", "has space")));
        bad.add(api.post(project.adminKey(), base(), json("key", "")));
        bad.add(api.post(project.adminKey(), base(), json("key", "k".repeat(257))));
        bad.add(api.post(project.adminKey(), base(), json("key", "slash/inside")));
        bad.add(put("bang!", null));
        bad.add(put("k".repeat(257), null));
        bad.add(api.get(project.adminKey(), base() + "/by-key/" + "k".repeat(257)));
        bad.add(api.get(project.adminKey(), base() + "/by-key/a%20b"));
        for (TestApi.Response r : bad) {
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.errorCode()).isEqualTo("VALIDATION_FAILED");
            assertThat(r.json().at("/error/fields/0/field").asString()).isEqualTo("key");
        }
        assertThat(put("k".repeat(256), null).status()).isEqualTo(201);
        assertThat(put("A-z_0.9:@~+=", null).status()).isEqualTo(201);
        assertThat(api.get(project.adminKey(), base() + "/by-key/A-z_0.9:@~+=").status())
                .isEqualTo(200);
    }

    @Test
    void aKeyNamedLikeASubresourceIsStillFoundByKey() {
        String id = put("messages", null).text("/id");
        assertThat(api.get(project.adminKey(), base() + "/by-key/messages").text("/id"))
                .isEqualTo(id);
    }

    @Test
    void unknownKeyIsNotFoundAlsoInANamespaceThatNeverHadKeys() {
        TestApi.Response r = api.get(project.adminKey(), base() + "/by-key/nobody");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.errorCode()).isEqualTo("NOT_FOUND");
        put("somebody", null);
        assertThat(api.get(project.adminKey(), base() + "/by-key/nobody").status())
                .isEqualTo(404);
        assertThat(api.get(project.key("read"), base() + "/by-key/somebody").status())
                .isEqualTo(200);
        assertThat(api.send("PUT", base() + "/by-key/other", project.key("read"), null, Map.of())
                        .status())
                .isEqualTo(403);
    }

    @Test
    void theKeyIsStoredSealedAndAsAKeyedDigestOnly() throws Exception {
        String key = "customer-7f3a9c-secret-name";
        String id = put(key, null).text("/id");
        try (Connection c = DriverManager.getConnection(
                        db.embedded().superuserJdbcUrl(),
                        db.embedded().superuser(),
                        db.embedded().superuserPassword());
                PreparedStatement s = c.prepareStatement(
                        "SELECT dialogue_key, key_digest FROM colloquy.dialogues WHERE dialogue_id = ?")) {
            s.setObject(1, TestProjects.uuid(id));
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                byte[] sealed = rs.getBytes(1);
                assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain(key);
                assertThat(rs.getBytes(2)).hasSize(32);
            }
        }
    }

    @Test
    void aDeletedDialogueGivesUpItsKeyAndIsNotRestoredOverANewHolder() {
        String first = put("reused", null).text("/id");
        api.patch(project.adminKey(), "/v1/project", json("recovery_window_days", 7));
        assertThat(api.delete(project.adminKey(), base() + "/" + first).status())
                .isEqualTo(204);
        assertThat(api.get(project.adminKey(), base() + "/by-key/reused").status())
                .isEqualTo(404);
        TestApi.Response second = put("reused", null);
        assertThat(second.status()).isEqualTo(201);
        assertThat(second.text("/id")).isNotEqualTo(first);

        TestApi.Response restore = api.post(project.adminKey(), base() + "/" + first + "/restore", null);
        assertThat(restore.status()).as(restore.body()).isEqualTo(409);
        assertThat(restore.errorCode()).isEqualTo("ALREADY_EXISTS");
        assertThat(api.get(project.adminKey(), base() + "/by-key/reused").text("/id"))
                .isEqualTo(second.text("/id"));
    }

    @Test
    void exportCarriesTheKeyAndErasureRemovesIt() {
        put("exported-key", null);
        TestApi.Response link = api.post(project.adminKey(), "/v1/namespaces/" + ns + "/export", null);
        String url = link.text("/url");
        TestApi.Response export = api.get(null, url.substring(url.indexOf("/v1/")));
        assertThat(export.json().at("/dialogues/0/key").asString()).isEqualTo("exported-key");

        assertThat(api.delete(project.adminKey(), "/v1/namespaces/" + ns).status())
                .isBetween(200, 204);
        assertThat(api.get(project.adminKey(), base() + "/by-key/exported-key").status())
                .isEqualTo(404);
        assertThat(put("exported-key", null).status()).isEqualTo(201);
    }
}
