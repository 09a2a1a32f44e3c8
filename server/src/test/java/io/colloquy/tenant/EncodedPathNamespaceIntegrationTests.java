package io.colloquy.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.mock.web.MockHttpServletRequest;

/**
 * The tenant context's namespace is the one the router (and so the controller) sees: read from the
 * decoded path segments, not from the raw request URI, so a percent-encoded route cannot run in a
 * wider (project-wide) or different namespace than the one it writes to.
 */
@IntegrationTest
class EncodedPathNamespaceIntegrationTests {

    @LocalServerPort
    int port;

    @Test
    void theTenantNamespaceIsReadFromTheDecodedPathTheRouterMatches() {
        assertThat(TenantRequests.namespaceOf(get("/v1/%6eamespaces/a/dialogues")))
                .isEqualTo("a");
        assertThat(TenantRequests.namespaceOf(get("/v1/namespaces/%61/dialogues")))
                .isEqualTo("a");
        assertThat(TenantRequests.namespaceOf(get("/%76%31/namespaces/a"))).isEqualTo("a");
        assertThat(TenantRequests.namespaceOf(get("/v1/namespaces/a;p=1/memories")))
                .isEqualTo("a");
        assertThat(TenantRequests.namespaceOf(get("/v1/project"))).isEqualTo(Namespace.ALL);
        assertThat(TenantRequests.namespaceOf(get("/v1/namespaces/"))).isEqualTo(Namespace.ALL);
    }

    @Test
    void aKeyWritingThroughAnEncodedPathLandsInThatNamespaceAndOnlyThere() {
        TestApi api = new TestApi(port);
        TestProject project = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String other = TestProjects.aNamespace();
        String elsewhere = project.dialogue(other);

        TestApi.Response created =
                api.post(project.adminKey(), "/v1/%6eamespaces/" + ns + "/dialogues", TestApi.json("title", "x"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.text("/namespace")).isEqualTo(ns);
        String id = created.text("/id");

        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + id)
                        .status())
                .isEqualTo(200);
        assertThat(api.get(project.adminKey(), "/v1/%6eamespaces/" + ns + "/dialogues/" + id)
                        .status())
                .isEqualTo(200);
        assertThat(api.get(project.adminKey(), "/v1/%6eamespaces/" + other + "/dialogues/" + id)
                        .status())
                .isEqualTo(404);
        TestApi.Response listed = api.get(project.adminKey(), "/v1/%6eamespaces/" + ns + "/dialogues");
        assertThat(listed.json().get("data").valueStream().map(d -> d.get("id").asString()))
                .containsExactly(id);
        // the other namespace's dialogue cannot be reached, changed or deleted through the encoded path
        for (String method : List.of("GET", "DELETE")) {
            TestApi.Response r = api.send(
                    method,
                    "/v1/%6eamespaces/" + ns + "/dialogues/" + elsewhere,
                    project.adminKey(),
                    null,
                    java.util.Map.of());
            assertThat(r.status()).as(method).isEqualTo(404);
        }
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + other + "/dialogues/" + elsewhere)
                        .status())
                .isEqualTo(200);
    }

    private static MockHttpServletRequest get(String uri) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", uri);
        request.setRequestURI(uri);
        return request;
    }
}
