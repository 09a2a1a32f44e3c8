package io.colloquy.search;

import static io.colloquy.TestApi.json;
import static io.colloquy.search.TestEmbeddings.awaitEmbedded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.platform.DatabaseEndpoint;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

@IntegrationTest
class SemanticSearchIntegrationTests {
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

    /** {@code query}: the words, then {@code &}-joined parameters as they go in the URL. */
    private JsonNode search(String query) {
        int amp = query.indexOf('&');
        String words = amp < 0 ? query : query.substring(0, amp);
        String rest = amp < 0 ? "" : query.substring(amp);
        TestApi.Response r = api.get(
                project.adminKey(),
                "/v1/namespaces/" + ns + "/search?q=" + URLEncoder.encode(words, StandardCharsets.UTF_8) + rest);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static List<String> ids(JsonNode results) {
        List<String> ids = new ArrayList<>();
        results.get("data").forEach(h -> ids.add(h.get("id").asString()));
        return ids;
    }

    @Test
    void semanticSearchFindsAParaphraseSharingNoWordWithTheQueryAndHybridRanksIt() {
        String kettle = project.memory(ns, "The customer wants their money back for the broken kettle.");
        String d = project.dialogue(ns);
        String shipping = project.message(ns, d, "We ship parcels to Canada within five working days.");
        project.message(ns, d, "My favourite colour is green.");
        awaitEmbedded(api, project.adminKey(), ns);

        assertThat(search("refund request&mode=keyword").get("data")).isEmpty();
        JsonNode semantic = search("refund request&mode=semantic");
        assertThat(ids(semantic)).first().isEqualTo(kettle);
        assertThat(semantic.get("pending").asLong()).isZero();
        JsonNode first = semantic.get("data").get(0);
        assertThat(first.get("type").asString()).isEqualTo("memory");
        assertThat(first.get("score").asDouble()).isBetween(0.2, 1.0);
        assertThat(ids(search("how long does delivery take&mode=semantic&types=messages")))
                .first()
                .isEqualTo(shipping);
        assertThat(ids(search("refund request&mode=semantic&types=messages"))).doesNotContain(kettle);

        JsonNode hybrid = search("kettle refund&mode=hybrid");
        assertThat(ids(hybrid)).first().isEqualTo(kettle);
        assertThat(hybrid.get("data").get(0).get("score").asDouble()).isBetween(0.5, 1.0);
        assertThat(hybrid.get("pending").asLong()).isZero();
        assertThat(search("kettle").has("pending"))
                .as("keyword search says nothing of embeddings")
                .isFalse();
    }

    @Test
    void minScoreTagAndTimeFiltersNarrowSemanticResults() {
        String tagged = project.dialogue(ns); // tag t1
        String inTagged = project.message(ns, tagged, "The invoice was paid twice by mistake.");
        String untagged = api.post(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues", json("title", "x"))
                .text("/id");
        String inUntagged = project.message(ns, untagged, "I was charged two times for one bill.");
        awaitEmbedded(api, project.adminKey(), ns);

        assertThat(ids(search("double payment&mode=semantic"))).contains(inTagged, inUntagged);
        assertThat(ids(search("double payment&mode=semantic&tag=t1"))).containsExactly(inTagged);
        assertThat(search("double payment&mode=semantic&min_score=0.99").get("data"))
                .isEmpty();
        assertThat(search("double payment&mode=hybrid&created_after=2999-01-01T00:00:00Z")
                        .get("data"))
                .isEmpty();
        for (JsonNode hit : search("double payment&mode=semantic&min_score=0.1").get("data")) {
            assertThat(hit.get("score").asDouble()).isGreaterThanOrEqualTo(0.1);
        }
    }

    @Test
    void aDeletedMemoryOrMessageLeavesSemanticResultsAndItsVectorIsDeleted() throws Exception {
        String memory = project.memory(ns, "Our office cat is called Biscuit.");
        String d = project.dialogue(ns);
        String message = project.message(ns, d, "The office cat sleeps on the printer.");
        awaitEmbedded(api, project.adminKey(), ns);
        assertThat(vectorRows()).isEqualTo(2);
        assertThat(ids(search("pet animal at work&mode=semantic"))).contains(memory, message);

        assertThat(api.delete(project.adminKey(), "/v1/namespaces/" + ns + "/memories/" + memory)
                        .status())
                .isEqualTo(204);
        assertThat(api.delete(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages/" + message)
                        .status())
                .isEqualTo(204);
        assertThat(ids(search("pet animal at work&mode=semantic"))).doesNotContain(memory, message);
        awaitEmbedded(api, project.adminKey(), ns);
        assertThat(vectorRows()).isZero();
    }

    @Test
    void erasingTheNamespaceDeletesItsVectorsAndDropsThemFromMemory() throws Exception {
        project.memory(ns, "The vault code is written on the back of the painting.");
        awaitEmbedded(api, project.adminKey(), ns);
        assertThat(search("where is the secret combination&mode=semantic").get("data"))
                .hasSize(1);
        byte[] sealed = sealedVector();
        assertThat(openSealed(sealed)).hasSize(Embedder.DIMENSIONS * Float.BYTES);

        assertThat(api.delete(project.adminKey(), "/v1/namespaces/" + ns).status())
                .isEqualTo(200);
        assertThat(vectorRows()).isZero();
        assertThat(search("where is the secret combination&mode=semantic").get("data"))
                .isEmpty();
        // the sealed value taken before the erasure no longer opens: its data key is destroyed
        assertThatThrownBy(() -> openSealed(sealed)).isInstanceOf(io.colloquy.crypto.KeyGone.class);
    }

    @Autowired
    io.colloquy.crypto.StoredValues values;

    @Autowired
    io.colloquy.tenant.TenantTransactions tenants;

    private byte[] openSealed(byte[] sealed) {
        java.util.UUID p = TestProjects.uuid(project.id());
        return tenants.inNamespace(
                p,
                new io.colloquy.tenant.Namespace(ns),
                () -> values.openBytes(
                        new io.colloquy.crypto.FieldRef(p, ns, "embeddings", sealedItem, "vector"), sealed));
    }

    private java.util.UUID sealedItem;

    private byte[] sealedVector() throws Exception {
        try (Connection c = DriverManager.getConnection(
                        db.embedded().superuserJdbcUrl(),
                        db.embedded().superuser(),
                        db.embedded().superuserPassword());
                PreparedStatement s = c.prepareStatement(
                        "SELECT item_id, vector FROM colloquy.embeddings WHERE project_id = ? AND namespace = ?")) {
            s.setObject(1, TestProjects.uuid(project.id()));
            s.setString(2, ns);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                sealedItem = rs.getObject(1, java.util.UUID.class);
                return rs.getBytes(2);
            }
        }
    }

    @Test
    void refusesAnUnknownModeAndANonNumericMinScoreNamingTheField() {
        String base = "/v1/namespaces/" + ns + "/search?q=x";
        for (String[] bad : new String[][] {
            {"&mode=fuzzy", "mode"}, {"&mode=semantic&min_score=high", "min_score"}, {"&min_score=NaN", "min_score"}
        }) {
            TestApi.Response r = api.get(project.adminKey(), base + bad[0]);
            assertThat(r.status()).as(bad[0]).isEqualTo(400);
            assertThat(r.errorCode()).isEqualTo("VALIDATION_FAILED");
            assertThat(r.json().get("error").get("fields").get(0).get("field").asString())
                    .isEqualTo(bad[1]);
        }
    }

    private long vectorRows() throws Exception {
        try (Connection c = DriverManager.getConnection(
                        db.embedded().superuserJdbcUrl(),
                        db.embedded().superuser(),
                        db.embedded().superuserPassword());
                PreparedStatement s = c.prepareStatement(
                        "SELECT count(*) FROM colloquy.embeddings WHERE project_id = ? AND namespace = ?")) {
            s.setObject(1, TestProjects.uuid(project.id()));
            s.setString(2, ns);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
