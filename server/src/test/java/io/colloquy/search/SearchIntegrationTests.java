package io.colloquy.search;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.crypto.BlindIndex;
import io.colloquy.platform.DatabaseEndpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

@IntegrationTest
class SearchIntegrationTests {
    private static final List<String> VOCABULARY = List.of(
            "Tea", "coffee", "café", "Paris", "berlin", "order", "refund", "42", "ÉTÉ", "ﬁle", "delivery", "late");

    @LocalServerPort
    int port;

    TestApi api;
    TestProject project;
    String ns;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
        project = TestProjects.aProject(api);
        ns = TestProjects.aNamespace();
    }

    @Autowired
    DatabaseEndpoint db;

    @Test
    void aReadOnlyKeySearchingANeverUsedNamespaceFindsNothingAndCreatesNoRow() throws Exception {
        String reader = project.key("read");
        project.dialogue(ns); // the project has keys; the namespace below never had anything
        String unused = TestProjects.aNamespace();
        long before = dataKeyRows();
        TestApi.Response search = api.get(reader, "/v1/namespaces/" + unused + "/search?q=tea");
        assertThat(search.status()).as(search.body()).isEqualTo(200);
        assertThat(search.json().get("data")).isEmpty();
        TestApi.Response memories = api.get(reader, "/v1/namespaces/" + unused + "/search?q=tea+coffee&types=memories");
        assertThat(memories.status()).as(memories.body()).isEqualTo(200);
        assertThat(memories.json().get("data")).isEmpty();
        TestApi.Response tagged = api.get(reader, "/v1/namespaces/" + unused + "/dialogues?tag=t1");
        assertThat(tagged.status()).as(tagged.body()).isEqualTo(200);
        assertThat(tagged.json().get("data")).isEmpty();
        assertThat(api.get(reader, "/v1/namespaces/" + unused + "/dialogues")
                        .json()
                        .get("data"))
                .isEmpty();
        assertThat(dataKeyRows())
                .as("rows of data_keys, counted as the superuser")
                .isEqualTo(before);
    }

    private long dataKeyRows() throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(
                        db.embedded().superuserJdbcUrl(),
                        db.embedded().superuser(),
                        db.embedded().superuserPassword());
                java.sql.Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM colloquy.data_keys")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Generated texts and queries (jqwik generators); the server must agree with a plain in-memory reference. */
    @Test
    void resultsMatchAPlainReferenceOnGeneratedData() {
        Arbitrary<String> texts = Arbitraries.of(VOCABULARY)
                .list()
                .ofMinSize(1)
                .ofMaxSize(8)
                .map(words -> String.join(Arbitraries.of(" ", ", ", "! ", "-").sample(), words));
        String d = project.dialogue(ns);
        Map<String, String> contentById = new HashMap<>();
        List<Map<String, Object>> batch = new ArrayList<>();
        List<String> generated = texts.sampleStream().limit(60).toList();
        for (int i = 0; i < 40; i++) {
            batch.add(Map.of("role", "user", "content", generated.get(i)));
        }
        api.post(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages", json("messages", batch))
                .json()
                .get("data")
                .forEach(m ->
                        contentById.put(m.get("id").asString(), m.get("content").asString()));
        for (int i = 40; i < 60; i++) {
            TestApi.Response r = api.post(
                    project.adminKey(),
                    "/v1/namespaces/" + ns + "/memories",
                    json("kind", "long_term", "content", generated.get(i)));
            contentById.put(r.text("/id"), generated.get(i));
        }
        List<String> queries = Arbitraries.of(VOCABULARY)
                .list()
                .ofMinSize(1)
                .ofMaxSize(3)
                .map(words -> String.join(" ", words).toUpperCase(java.util.Locale.ROOT))
                .sampleStream()
                .limit(25)
                .toList();
        for (String q : queries) {
            Set<String> expected = new HashSet<>();
            List<String> terms = BlindIndex.tokens(q);
            contentById.forEach((id, content) -> {
                if (new HashSet<>(BlindIndex.tokens(content)).containsAll(terms)) {
                    expected.add(id);
                }
            });
            TestApi.Response r = api.get(
                    project.adminKey(),
                    "/v1/namespaces/" + ns + "/search?limit=100&q="
                            + java.net.URLEncoder.encode(q, java.nio.charset.StandardCharsets.UTF_8));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            Set<String> actual = new HashSet<>();
            double previous = Double.MAX_VALUE;
            for (JsonNode hit : r.json().get("data")) {
                actual.add(hit.get("id").asString());
                assertThat(hit.get("score").asDouble()).isLessThanOrEqualTo(previous);
                previous = hit.get("score").asDouble();
                assertThat(hit.get("content").asString())
                        .isEqualTo(contentById.get(hit.get("id").asString()));
            }
            assertThat(actual).as("query %s", q).isEqualTo(expected);
        }
    }

    @Test
    void findsNothingOfAnotherNamespaceOrProject() {
        String d = project.dialogue(ns);
        project.message(ns, d, "the zanzibar itinerary");
        project.memory(ns, "likes zanzibar");
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/search?q=zanzibar")
                        .json()
                        .get("data"))
                .hasSize(2);
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + TestProjects.aNamespace() + "/search?q=zanzibar")
                        .json()
                        .get("data"))
                .isEmpty();
        TestProject other = TestProjects.aProject(api);
        assertThat(api.get(other.adminKey(), "/v1/namespaces/" + ns + "/search?q=zanzibar")
                        .json()
                        .get("data"))
                .isEmpty();
    }

    @Test
    void filtersByTypeRanksByRelevanceAndRefusesBadQueries() {
        String d = project.dialogue(ns);
        project.message(ns, d, "refund refund refund please");
        project.message(ns, d, "a long message that mentions a refund once among many other words here");
        project.memory(ns, "asked for a refund");
        String base = "/v1/namespaces/" + ns + "/search";
        TestApi.Response messages = api.get(project.adminKey(), base + "?q=refund&types=messages");
        assertThat(messages.json().get("data")).hasSize(2);
        assertThat(messages.json().get("data").get(0).get("content").asString()).startsWith("refund refund");
        assertThat(messages.json().get("data").get(0).get("type").asString()).isEqualTo("message");
        assertThat(messages.json().get("data").get(0).get("dialogue_id").asString())
                .isEqualTo(d);
        TestApi.Response memories = api.get(project.adminKey(), base + "?q=refund&types=memories&mode=keyword");
        assertThat(memories.json().get("data")).hasSize(1);
        assertThat(memories.json().get("data").get(0).get("type").asString()).isEqualTo("memory");
        for (String bad : List.of(
                "", "?q=", "?q=%20%21", "?q=x&mode=fuzzy", "?q=x&min_score=high", "?q=x&types=files", "?q=x&limit=0")) {
            assertThat(api.get(project.adminKey(), base + bad).status()).as(bad).isEqualTo(400);
        }
        String reader = project.key("read");
        assertThat(api.get(reader, base + "?q=refund").status()).isEqualTo(200);
    }
}
