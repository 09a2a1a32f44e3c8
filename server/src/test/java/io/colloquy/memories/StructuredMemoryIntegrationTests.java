package io.colloquy.memories;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Memories holding a JSON value, a label and a description, with client-chosen ids and filters (issue 20). */
@IntegrationTest
class StructuredMemoryIntegrationTests {
    @LocalServerPort
    int port;

    TestApi api;
    TestProject project;
    String ns;
    String base;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
        project = TestProjects.aProject(api);
        ns = TestProjects.aNamespace();
        base = "/v1/namespaces/" + ns + "/memories";
    }

    @Test
    void aMemoryMayHoldAJsonValueInsteadOfContentWithALabelAndDescription() {
        TestApi.Response created = api.post(
                project.adminKey(),
                base,
                json(
                        "kind",
                        "long_term",
                        "value",
                        Map.of("theme", "dark", "sizes", List.of(1, 2)),
                        "label",
                        "UI preferences",
                        "description",
                        "What the user chose in settings"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().get("content").isNull()).isTrue();
        assertThat(created.json().at("/value/theme").asString()).isEqualTo("dark");
        assertThat(created.text("/label")).isEqualTo("UI preferences");
        assertThat(created.text("/description")).isEqualTo("What the user chose in settings");
        String id = created.text("/id");
        assertThat(api.get(project.adminKey(), base + "/" + id).json()).isEqualTo(created.json());

        TestApi.Response scalar =
                api.post(project.adminKey(), base, json("kind", "short_term", "value", 42, "content", "the answer"));
        assertThat(scalar.json().get("value").asInt()).isEqualTo(42);
        assertThat(scalar.text("/content")).isEqualTo("the answer");

        TestApi.Response patched = api.patch(
                project.adminKey(), base + "/" + id, "{\"value\": [\"a\"], \"label\": null, \"description\": \"new\"}");
        assertThat(patched.status()).as(patched.body()).isEqualTo(200);
        assertThat(patched.json().get("value").get(0).asString()).isEqualTo("a");
        assertThat(patched.json().get("label").isNull()).isTrue();
        assertThat(patched.text("/description")).isEqualTo("new");

        TestApi.Response nothingLeft = api.patch(project.adminKey(), base + "/" + id, "{\"value\": null}");
        assertThat(nothingLeft.status()).isEqualTo(400);
        assertThat(nothingLeft.errorCode()).isEqualTo("VALIDATION_FAILED");
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/search?q=answer")
                        .json()
                        .get("data"))
                .hasSize(1);
    }

    @Test
    void refusesAMemoryWithNeitherContentNorValueAndOverlongLabelsOrDescriptions() {
        for (var body : List.of(
                Map.of("kind", "long_term"),
                Map.of("kind", "long_term", "value", "v", "label", "l".repeat(201)),
                Map.of("kind", "long_term", "value", "v", "description", "d".repeat(2001)),
                Map.of("kind", "long_term", "value", "v", "id", "no spaces allowed"))) {
            TestApi.Response r = api.post(project.adminKey(), base, TestApi.JSON.writeValueAsString(body));
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.errorCode()).isEqualTo("VALIDATION_FAILED");
            assertThat(r.json().at("/error/fields/0/field").asString()).isIn("content", "label", "description", "id");
        }
        assertThat(api.get(project.adminKey(), base).json().get("data")).isEmpty();
    }

    @Test
    void aClientChosenIdIsTheMemorysIdAndUniquePerNamespace() {
        TestApi.Response created = api.post(
                project.adminKey(), base, json("id", "mem_user-42.prefs", "kind", "long_term", "content", "tea"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.text("/id")).isEqualTo("mem_user-42.prefs");
        assertThat(api.get(project.adminKey(), base + "/mem_user-42.prefs").text("/content"))
                .isEqualTo("tea");
        assertThat(api.get(project.adminKey(), base).json().at("/data/0/id").asString())
                .isEqualTo("mem_user-42.prefs");

        TestApi.Response again = api.post(
                project.adminKey(), base, json("id", "mem_user-42.prefs", "kind", "long_term", "content", "coffee"));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.errorCode()).isEqualTo("ALREADY_EXISTS");
        assertThat(again.text("/error/type")).isEqualTo("conflict");
        assertThat(api.get(project.adminKey(), base + "/mem_user-42.prefs").text("/content"))
                .isEqualTo("tea");

        String otherNs = "/v1/namespaces/" + TestProjects.aNamespace() + "/memories";
        assertThat(api.post(
                                project.adminKey(),
                                otherNs,
                                json("id", "mem_user-42.prefs", "kind", "long_term", "content", "x"))
                        .status())
                .as("the same id in another namespace is another memory")
                .isEqualTo(201);

        TestApi.Response patched =
                api.patch(project.adminKey(), base + "/mem_user-42.prefs", json("content", "green tea"));
        assertThat(patched.text("/id")).isEqualTo("mem_user-42.prefs");
        assertThat(api.delete(project.adminKey(), base + "/mem_user-42.prefs").status())
                .isEqualTo(204);
        assertThat(api.get(project.adminKey(), base + "/mem_user-42.prefs").status())
                .isEqualTo(404);
    }

    @Test
    void aClientChosenIdInTheGeneratedFormIsKeptAsIs() {
        String id = "mem_0123456789abcdef0123456789abcdef";
        TestApi.Response created =
                api.post(project.adminKey(), base, json("id", id, "kind", "long_term", "content", "x"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.text("/id")).isEqualTo(id);
        assertThat(api.post(project.adminKey(), base, json("id", id, "kind", "long_term", "content", "y"))
                        .errorCode())
                .isEqualTo("ALREADY_EXISTS");
    }

    @Test
    void listsFilterByMetadataEqualityAndTimeRanges() {
        String gold = api.post(
                        project.adminKey(),
                        base,
                        json("kind", "long_term", "content", "a", "metadata", Map.of("tier", "gold", "ok", true)))
                .text("/id");
        api.post(
                project.adminKey(),
                base,
                json("kind", "long_term", "content", "b", "metadata", Map.of("tier", "silver")));
        assertThat(ids(api.get(project.adminKey(), base + "?metadata.tier=gold")))
                .containsExactly(gold);
        assertThat(ids(api.get(project.adminKey(), base + "?metadata.ok=true&kind=long_term")))
                .containsExactly(gold);
        assertThat(ids(api.get(project.adminKey(), base + "?metadata.tier=bronze")))
                .isEmpty();
        assertThat(ids(api.get(project.adminKey(), base + "?created_after=2999-01-01T00:00:00Z")))
                .isEmpty();
        assertThat(ids(api.get(project.adminKey(), base + "?updated_before=2999-01-01T00:00:00Z")))
                .hasSize(2);
        TestApi.Response bad = api.get(project.adminKey(), base + "?updated_before=soon");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().at("/error/fields/0/field").asString()).isEqualTo("updated_before");
    }

    private static List<String> ids(TestApi.Response page) {
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        return page.json()
                .get("data")
                .valueStream()
                .map(n -> n.get("id").asString())
                .toList();
    }
}
