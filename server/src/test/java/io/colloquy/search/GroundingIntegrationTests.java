package io.colloquy.search;

import static io.colloquy.TestApi.json;
import static io.colloquy.search.TestEmbeddings.awaitEmbedded;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

@IntegrationTest
class GroundingIntegrationTests {
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

    private JsonNode check(String key, String answer) {
        TestApi.Response r = api.post(key, "/v1/namespaces/" + ns + "/grounding", json("answer", answer));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    @Test
    void scoresEachClaimAgainstLongTermMemoriesAndGivesAVerdictByTheShareSupported() {
        String refunds = project.memory(ns, "Refunds are paid back to the original card within five business days.");
        String hours = project.memory(ns, "The support desk is open Monday to Friday from 9am to 5pm.");
        TestApi.Response shortTerm = api.post(
                project.adminKey(),
                "/v1/namespaces/" + ns + "/memories",
                json("kind", "short_term", "content", "The company headquarters are on the Moon."));
        assertThat(shortTerm.status()).isEqualTo(201);
        awaitEmbedded(api, project.adminKey(), ns);
        String reader = project.key("read");

        JsonNode grounded = check(
                reader,
                "Your refund goes back to your original card within five business days.\n"
                        + "- Support is open from Monday to Friday, 9am to 5pm.");
        assertThat(grounded.get("verdict").asString()).isEqualTo("grounded");
        assertThat(grounded.get("score").asDouble()).isEqualTo(1.0);
        assertThat(grounded.get("claims")).hasSize(2);
        assertThat(grounded.get("claims")
                        .get(0)
                        .get("supporting_memory_ids")
                        .get(0)
                        .asString())
                .isEqualTo(refunds);
        assertThat(grounded.get("claims").get(1).get("text").asString()).startsWith("Support is open");
        assertThat(grounded.get("claims")
                        .get(1)
                        .get("supporting_memory_ids")
                        .get(0)
                        .asString())
                .isEqualTo(hours);
        assertThat(grounded.get("pending").asLong()).isZero();
        assertThat(grounded.get("thresholds").get("grounded").asDouble()).isEqualTo(0.8);

        JsonNode flagged = check(
                reader,
                "Refunds are paid to the original card within five business days. Our headquarters are on the Moon.");
        assertThat(flagged.get("score").asDouble()).isEqualTo(0.5);
        assertThat(flagged.get("verdict").asString()).isEqualTo("flagged");
        JsonNode moon = flagged.get("claims").get(1);
        assertThat(moon.get("supported").asBoolean())
                .as("a short-term memory is not the knowledge base")
                .isFalse();
        assertThat(moon.get("supporting_memory_ids")).isEmpty();

        JsonNode blocked = check(reader, "Penguins can fly across the Atlantic Ocean in one day.");
        assertThat(blocked.get("verdict").asString()).isEqualTo("blocked");
        assertThat(blocked.get("score").asDouble()).isZero();
        assertThat(check(reader, "Penguins can fly across the Atlantic Ocean in one day."))
                .isEqualTo(blocked);
    }

    @Test
    void refusesAMissingEmptyOrClaimlessAnswerNamingTheField() {
        for (String body : new String[] {
            "{}", json("answer", ""), json("answer", "Yes."), json("answer", 7), json("answer", "x".repeat(20_001))
        }) {
            TestApi.Response r = api.post(project.adminKey(), "/v1/namespaces/" + ns + "/grounding", body);
            assertThat(r.status()).as(body.length() > 100 ? "long" : body).isEqualTo(400);
            assertThat(r.errorCode()).isEqualTo("VALIDATION_FAILED");
            assertThat(r.json().get("error").get("fields").get(0).get("field").asString())
                    .isEqualTo("answer");
        }
    }
}
