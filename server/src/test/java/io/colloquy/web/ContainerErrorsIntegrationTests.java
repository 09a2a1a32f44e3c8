package io.colloquy.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.RawHttp;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Requests refused before they reach the API (by Tomcat while parsing, or by Spring Security's
 * firewall) still get the contract's error body with X-Request-Id and X-RateLimit-*, never an HTML page.
 * Sent over raw sockets: HTTP clients refuse to send most of them.
 */
@IntegrationTest
class ContainerErrorsIntegrationTests {

    @LocalServerPort
    int port;

    record Raw(String name, byte[] request) {}

    @Test
    void malformedPathsQueriesAndHeadersGetTheContractsErrorBody() {
        String big = "x".repeat(9 * 1024);
        List<Raw> raws = List.of(
                get("encoded slash", "/v1/namespaces/a%2Fb/dialogues"),
                get("encoded NUL", "/v1/namespaces/a%00/dialogues"),
                get("encoded backslash", "/v1/namespaces/a%5Cb/dialogues"),
                get("lone percent", "/v1/namespaces/a%/dialogues"),
                get("invalid UTF-8", "/v1/namespaces/%FF%FE/dialogues"),
                new Raw(
                        "raw non-ASCII",
                        concat(
                                "GET /v1/namespaces/".getBytes(StandardCharsets.US_ASCII),
                                new byte[] {(byte) 0xC3, (byte) 0xA9},
                                "/dialogues HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                                        .getBytes(StandardCharsets.US_ASCII))),
                get("brackets in the query", "/v1/namespaces/a/dialogues?tag=[x]"),
                get("request line over 8 KiB", "/v1/namespaces/a/dialogues?tag=" + big),
                get("header over 8 KiB", "/v1/project", "X-Big: " + big),
                get("control character in a header", "/v1/project", "X-Bad: a\u0001b"),
                new Raw(
                        "missing Host",
                        "GET /v1/project HTTP/1.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII)),
                get("firewall: dot-dot", "/v1/namespaces/a/../b/dialogues"),
                get("firewall: semicolon", "/v1/namespaces/a;x=1/dialogues"),
                get("firewall: encoded percent", "/v1/namespaces/a%25b/dialogues"),
                get("firewall: encoded CRLF", "/v1/namespaces/a%0d%0ab/dialogues"),
                new Raw("firewall: TRACE", request("TRACE", "/v1/project")));
        for (Raw raw : raws) {
            RawHttp.Response r = RawHttp.send(port, raw.request());
            assertThat(r.status()).as(raw.name() + " -> " + r.body()).isBetween(400, 599);
            assertContractError(raw.name(), r);
        }
    }

    @Test
    void connectIsMethodNotAllowedAndAnUnknownHttpVersionIs505InJson() {
        RawHttp.Response connect = RawHttp.send(port, request("CONNECT", "127.0.0.1:443"));
        assertThat(connect.status()).as(connect.body()).isEqualTo(405);
        assertThat(connect.json().at("/error/code").asString()).isEqualTo("METHOD_NOT_ALLOWED");
        assertContractError("CONNECT", connect);

        RawHttp.Response version = RawHttp.send(
                port,
                "GET /v1/project HTTP/9.9\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
        assertThat(version.status()).as(version.body()).isEqualTo(505);
        assertThat(version.json().at("/error/code").asString()).isEqualTo("HTTP_VERSION_NOT_SUPPORTED");
        assertContractError("HTTP/9.9", version);
    }

    @Test
    void errorIsNoResourceOfTheApi() {
        TestApi api = new TestApi(port);
        for (String method : List.of("GET", "POST", "DELETE")) {
            TestApi.Response r = api.send(method, "/error", null, null, Map.of());
            assertThat(r.status()).as(method + " /error -> " + r.body()).isEqualTo(404);
            assertThat(r.errorCode()).isEqualTo("NOT_FOUND");
            BadInputIntegrationTests.assertContractError(r);
        }
    }

    @Test
    void anAcceptHeaderAskingForXmlStillGetsJson() {
        TestApi api = new TestApi(port);
        var project = TestProjects.aProject(api);
        TestApi.Response r =
                api.send("GET", "/v1/project", project.adminKey(), null, Map.of("Accept", "application/xml"));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.text("/id")).isEqualTo(project.id());
        TestApi.Response missing =
                api.send("GET", "/v1/nowhere", project.adminKey(), null, Map.of("Accept", "text/html"));
        assertThat(missing.status()).isEqualTo(404);
        BadInputIntegrationTests.assertContractError(missing);
    }

    private static void assertContractError(String name, RawHttp.Response r) {
        assertThat(r.header("Content-Type")).as(name + " -> " + r.body()).startsWith("application/json");
        assertThat(r.json().at("/error/code").isString())
                .as(name + " -> " + r.body())
                .isTrue();
        assertThat(r.json().at("/error/message").isString()).as(name).isTrue();
        assertThat(r.json().at("/error/type").isString()).as(name).isTrue();
        assertThat(r.json().at("/error/request_id").asString()).as(name).startsWith("req_");
        assertThat(r.header("X-Request-Id"))
                .as(name)
                .isEqualTo(r.json().at("/error/request_id").asString());
        assertThat(r.header("X-RateLimit-Limit")).as(name).isNotNull();
        assertThat(r.header("X-RateLimit-Remaining")).as(name).isNotNull();
        assertThat(r.header("X-RateLimit-Reset")).as(name).isNotNull();
        assertThat(r.body()).as(name).doesNotContain("<html", "Exception", "Tomcat");
    }

    private static Raw get(String name, String target, String... headers) {
        return new Raw(name, request("GET", target, headers));
    }

    private static byte[] request(String method, String target, String... headers) {
        StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String h : headers) {
            head.append(h).append("\r\n");
        }
        head.append("Connection: close\r\n\r\n");
        return head.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
