package io.colloquy.memories;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

@IntegrationTest
class MemoryIntegrationTests {
    @LocalServerPort
    int port;

    TestApi api;
    TestProject project;
    String base;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
        project = TestProjects.aProject(api);
        base = "/v1/namespaces/" + TestProjects.aNamespace() + "/memories";
    }

    @Test
    void createsReadsUpdatesListsByKindAndDeletes() {
        TestApi.Response created = api.post(
                project.adminKey(),
                base,
                json("kind", "long_term", "content", "prefers tea", "metadata", Map.of("source", "chat")));
        assertThat(created.status()).isEqualTo(201);
        String id = created.text("/id");
        assertThat(id).matches("mem_[0-9a-f]{32}");
        assertThat(created.text("/kind")).isEqualTo("long_term");
        assertThat(created.json().get("expires_at").isNull()).isTrue();
        api.post(project.adminKey(), base, json("kind", "short_term", "content", "is in Paris today"));
        assertThat(api.get(project.adminKey(), base + "/" + id).json()).isEqualTo(created.json());
        assertThat(api.get(project.adminKey(), base + "?kind=long_term").json().get("data"))
                .hasSize(1);
        assertThat(api.get(project.adminKey(), base).json().get("data")).hasSize(2);

        TestApi.Response patched = api.patch(
                project.adminKey(), base + "/" + id, json("content", "prefers green tea", "kind", "short_term"));
        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.text("/content")).isEqualTo("prefers green tea");
        assertThat(patched.text("/kind")).isEqualTo("short_term");
        assertThat(patched.json().get("metadata").get("source").asString()).isEqualTo("chat");

        assertThat(api.delete(project.adminKey(), base + "/" + id).status()).isEqualTo(204);
        assertThat(api.get(project.adminKey(), base + "/" + id).status()).isEqualTo(404);
        assertThat(api.delete(project.adminKey(), base + "/" + id).status()).isEqualTo(404);
    }

    @Test
    void anExpiredMemoryIsNoLongerReadable() throws Exception {
        TestApi.Response created = api.post(
                project.adminKey(),
                base,
                json(
                        "kind",
                        "short_term",
                        "content",
                        "fleeting",
                        "expires_at",
                        Instant.now().plusSeconds(1).toString()));
        assertThat(created.status()).isEqualTo(201);
        assertThat(api.get(project.adminKey(), base + "/" + created.text("/id")).status())
                .isEqualTo(200);
        Thread.sleep(1_200);
        assertThat(api.get(project.adminKey(), base + "/" + created.text("/id")).status())
                .isEqualTo(404);
        assertThat(api.get(project.adminKey(), base).json().get("data")).isEmpty();
    }
}
