package io.colloquy.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/** The route table matches the path the MVC router matches: decoded segments, path parameters dropped. */
class RoutesTests {

    @Test
    void aPercentEncodedNamespaceRouteIsTheNamespaceRouteOfThatNamespace() {
        Routes.Match match = Routes.of(request("POST", "/v1/%6eamespaces/a/dialogues"));

        assertThat(match.route().scope()).isEqualTo(Routes.Scope.NAMESPACE);
        assertThat(match.route().access()).isEqualTo(Routes.Access.WRITE);
        assertThat(match.segment()).isEqualTo("a");
        assertThat(Routes.of(request("GET", "/v1/namespaces/%61;p=1/memories")).segment())
                .isEqualTo("a");
        assertThat(Routes.of(request("GET", "/%76%31/namespaces/a")).route().access())
                .isEqualTo(Routes.Access.READ);
    }

    @Test
    void anEncodedAdminRouteNeedsAdminLikeItsPlainSpelling() {
        assertThat(Routes.of(request("POST", "/v1/namespaces/a/%65xport"))
                        .route()
                        .access())
                .isEqualTo(Routes.Access.ADMIN);
        assertThat(Routes.of(request("DELETE", "/v1/%6eamespaces/a")).route().access())
                .isEqualTo(Routes.Access.ADMIN);
        assertThat(Routes.of(request("PATCH", "/v1/%70roject")).route().access())
                .isEqualTo(Routes.Access.ADMIN);
    }

    @Test
    void pathsTheRouterDoesNotRouteNeedACredentialAndActProjectWide() {
        for (String path : new String[] {"//", "//v1/namespaces/a/dialogues", "/v1/namespaces/", "/nowhere"}) {
            Routes.Route route = Routes.of(request("GET", path)).route();
            assertThat(route.needsCredential()).as(path).isTrue();
            assertThat(route.scope()).as(path).isEqualTo(Routes.Scope.PROJECT);
            assertThat(route.transaction()).as(path).isEqualTo(Routes.Transaction.REQUEST);
        }
    }

    @Test
    void probesAreNeverChargedAndNeedNoDatabase() {
        Routes.Route healthz = Routes.of(request("GET", "/healthz")).route();
        assertThat(healthz.probe()).isTrue();
        assertThat(healthz.needsCredential()).isFalse();
        assertThat(healthz.transaction()).isEqualTo(Routes.Transaction.NONE);
        assertThat(Routes.of(request("GET", "/v1/openapi.json")).route().probe())
                .isFalse();
    }

    @Test
    void theAuditStreamsAndTheExportLinkRunOutsideTheRequestTransaction() {
        MockHttpServletRequest jsonl = request("GET", "/v1/audit/events");
        jsonl.setParameter("format", "jsonl");
        assertThat(Routes.of(jsonl).route().transaction()).isEqualTo(Routes.Transaction.STREAMING);
        assertThat(Routes.of(request("GET", "/v1/audit/events")).route().transaction())
                .isEqualTo(Routes.Transaction.REQUEST);
        Routes.Route stream = Routes.of(request("GET", "/v1/audit/stream")).route();
        assertThat(stream.transaction()).isEqualTo(Routes.Transaction.STREAMING);
        assertThat(stream.streamToken()).isTrue();
        assertThat(Routes.of(request("GET", "/v1/audit/checkpoint")).route().streamToken())
                .isFalse();
        Routes.Route link = Routes.of(request("GET", "/v1/exports/abc")).route();
        assertThat(link.transaction()).isEqualTo(Routes.Transaction.EXPORT_LINK);
        assertThat(link.needsCredential()).isFalse();
    }

    @Test
    void theMcpEndpointNeedsAKeyAndLeavesTheTransactionsToItsToolCalls() {
        for (String method : List.of("POST", "GET", "DELETE")) {
            Routes.Route mcp = Routes.of(request(method, "/mcp")).route();
            assertThat(mcp.name()).isEqualTo("mcp");
            assertThat(mcp.access()).isEqualTo(Routes.Access.READ);
            assertThat(mcp.needsCredential()).isTrue();
            assertThat(mcp.transaction()).isEqualTo(Routes.Transaction.CALLS);
            assertThat(mcp.probe()).isFalse();
        }
        assertThat(Routes.of(request("POST", "/mcp/x")).route().name()).isNotEqualTo("mcp");
    }

    @Test
    void theOperatorRoutesNameTheProjectTheyActOn() {
        assertThat(Routes.of(request("POST", "/v1/projects")).route().scope()).isEqualTo(Routes.Scope.NEW_PROJECT);
        Routes.Match plan = Routes.of(request("PATCH", "/v1/projects/prj_%61b"));
        assertThat(plan.route().access()).isEqualTo(Routes.Access.OPERATOR);
        assertThat(plan.route().scope()).isEqualTo(Routes.Scope.PROJECT_IN_PATH);
        assertThat(plan.segment()).isEqualTo("prj_ab");
    }

    private static MockHttpServletRequest request(String method, String uri) {
        MockHttpServletRequest request = new MockHttpServletRequest(method, uri);
        request.setRequestURI(uri);
        return request;
    }
}
