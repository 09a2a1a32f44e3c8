package io.colloquy.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

@IntegrationTest
class OpenApiIntegrationTests {
    @LocalServerPort
    int port;

    @Test
    void documentsEveryImplementedRouteWithoutAuthentication() {
        TestApi.Response r = new TestApi(port).get(null, "/v1/openapi.json");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text("/info/title")).isEqualTo("Colloquy API");
        JsonNode paths = r.json().get("paths");
        assertThat(paths.has("/v1/projects")).isTrue();
        assertThat(paths.get("/v1/projects/{id}").has("patch")).isTrue();
        assertThat(paths.get("/v1/project").has("get")).isTrue();
        assertThat(paths.get("/v1/project").has("patch")).isTrue();
        assertThat(paths.get("/v1/project").has("delete")).isTrue();
        assertThat(paths.get("/v1/keys").has("post")).isTrue();
        assertThat(paths.get("/v1/keys/{id}").has("delete")).isTrue();
        assertThat(paths.get("/v1/namespaces/{ns}/dialogues").has("post")).isTrue();
        assertThat(paths.get("/v1/namespaces/{ns}/dialogues/{id}").has("patch")).isTrue();
        assertThat(paths.get("/v1/namespaces/{ns}/dialogues/{id}/messages").has("post"))
                .isTrue();
        assertThat(paths.get("/v1/namespaces/{ns}/dialogues/{id}/messages/{mid}")
                        .has("delete"))
                .isTrue();
        assertThat(paths.get("/v1/namespaces/{ns}/memories/{id}").has("patch")).isTrue();
        assertThat(r.json().at("/components/securitySchemes/apiKey/scheme").asString())
                .isEqualTo("bearer");
    }

    @Test
    void healthAndReadinessAnswerWithoutAKey() {
        TestApi api = new TestApi(port);
        assertThat(api.get(null, "/healthz").status()).isEqualTo(200);
        TestApi.Response ready = api.get(null, "/readyz");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.text("/status")).isEqualTo("ready");
    }
}
