package io.colloquy.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Bad input on every endpoint that takes a body: the contract's 4xx error body, never a 5xx, never a
 * stack trace, and nothing written.
 */
@IntegrationTest
class BadInputIntegrationTests {
    private static final String LONG_513 = "t".repeat(513);

    @LocalServerPort
    int port;

    TestApi api;
    TestProject project;
    String ns;
    String dialogue;
    String memory;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
        project = TestProjects.aProject(api);
        ns = TestProjects.aNamespace();
        dialogue = project.dialogue(ns);
        project.message(ns, dialogue, "the only message");
        memory = project.memory(ns, "the only memory");
    }

    record Case(String method, String path, String body) {}

    private List<Case> cases() {
        String dialogues = "/v1/namespaces/" + ns + "/dialogues";
        String messages = dialogues + "/" + dialogue + "/messages";
        String memories = "/v1/namespaces/" + ns + "/memories";
        String manyKeys = "{"
                + String.join(
                        ",",
                        java.util.stream.IntStream.range(0, 65)
                                .mapToObj(i -> "\"k" + i + "\":1")
                                .toList()) + "}";
        String bigMetadata = "{\"k\":\"" + "x".repeat(17 * 1024) + "\"}";
        List<String> tooManyTags =
                java.util.stream.IntStream.range(0, 33).mapToObj(i -> "tag" + i).toList();
        List<Case> cases = new ArrayList<>();
        for (String generic :
                List.of("{", "[]", "\"text\"", "42", "null", "{\"a\":1}{", "{\"title\":\"x\",\"title\":\"y\"}")) {
            cases.add(new Case("POST", dialogues, generic));
            cases.add(new Case("POST", messages, generic));
            cases.add(new Case("POST", memories, generic));
            cases.add(new Case("POST", "/v1/keys", generic));
            cases.add(new Case(
                    "PATCH",
                    dialogues + "/" + dialogue,
                    generic.equals("{\"a\":1}{") ? "[1]" : generic.equals("null") ? "7" : generic));
        }
        cases.addAll(List.of(
                new Case("POST", dialogues, TestApi.json("title", 5)),
                new Case("POST", dialogues, TestApi.json("title", LONG_513)),
                new Case("POST", dialogues, TestApi.json("metadata", "not an object")),
                new Case("POST", dialogues, TestApi.json("metadata", List.of(1, 2))),
                new Case("POST", dialogues, "{\"metadata\":" + manyKeys + "}"),
                new Case("POST", dialogues, "{\"metadata\":" + bigMetadata + "}"),
                new Case("POST", dialogues, TestApi.json("tags", "one")),
                new Case("POST", dialogues, TestApi.json("tags", List.of(1))),
                new Case("POST", dialogues, TestApi.json("tags", tooManyTags)),
                new Case("POST", dialogues, TestApi.json("tags", List.of("x".repeat(65)))),
                new Case("POST", dialogues, TestApi.json("tags", List.of(""))),
                new Case("POST", messages, "{\"role\":\"user\",\"content\":\"lone \\ud800 surrogate\"}"),
                new Case("POST", messages, "{\"role\":\"user\",\"content\":\"x\",\"metadata\":{\"k\":\"\\udc00\"}}"),
                new Case(
                        "POST", messages, "{\"role\":\"user\",\"content\":\"x\",\"metadata\":{\"a\":{\"\\ud800\":1}}}"),
                new Case("POST", dialogues, "{\"tags\":[\"\\udfff\"]}"),
                new Case("PATCH", dialogues + "/" + dialogue, "{\"title\":\"\\ud83d\"}"),
                new Case("POST", messages, TestApi.json("content", "no role")),
                new Case("POST", messages, TestApi.json("role", "user")),
                new Case("POST", messages, TestApi.json("role", "robot", "content", "x")),
                new Case("POST", messages, TestApi.json("role", "USER", "content", "x")),
                new Case("POST", messages, TestApi.json("role", "user", "content", "")),
                new Case("POST", messages, TestApi.json("role", "user", "content", 12)),
                new Case("POST", messages, TestApi.json("role", "user", "content", "x".repeat(32_001))),
                new Case("POST", messages, TestApi.json("role", "user", "content", "x", "metadata", "m")),
                new Case("POST", messages, TestApi.json("messages", List.of())),
                new Case("POST", messages, TestApi.json("messages", "x")),
                new Case(
                        "POST",
                        messages,
                        TestApi.json(
                                "messages",
                                java.util.Collections.nCopies(101, Map.of("role", "user", "content", "x")))),
                new Case(
                        "POST",
                        messages,
                        TestApi.json(
                                "messages", List.of(Map.of("role", "user", "content", "ok"), Map.of("role", "user")))),
                new Case(
                        "POST",
                        messages,
                        TestApi.json(
                                "role",
                                "user",
                                "content",
                                "x",
                                "messages",
                                List.of(Map.of("role", "user", "content", "y")))),
                new Case("POST", memories, TestApi.json("content", "no kind")),
                new Case("POST", memories, TestApi.json("kind", "forever", "content", "x")),
                new Case("POST", memories, TestApi.json("kind", "long_term")),
                new Case("POST", memories, TestApi.json("kind", "long_term", "content", "x", "expires_at", "tomorrow")),
                new Case(
                        "POST",
                        memories,
                        TestApi.json("kind", "long_term", "content", "x", "expires_at", "2001-01-01T00:00:00Z")),
                new Case("POST", memories, TestApi.json("kind", 1, "content", "x")),
                new Case("PATCH", dialogues + "/" + dialogue, TestApi.json("title", 1)),
                new Case("PATCH", dialogues + "/" + dialogue, TestApi.json("title", LONG_513)),
                new Case("PATCH", dialogues + "/" + dialogue, TestApi.json("metadata", 3)),
                new Case("PATCH", dialogues + "/" + dialogue, TestApi.json("tags", List.of(List.of()))),
                new Case("PATCH", dialogues + "/" + dialogue, TestApi.json("legal_hold", "yes")),
                new Case("PATCH", memories + "/" + memory, TestApi.json("content", "")),
                new Case("PATCH", memories + "/" + memory, TestApi.json("kind", "mid_term")),
                new Case("PATCH", memories + "/" + memory, TestApi.json("expires_at", 5)),
                new Case("PATCH", "/v1/project", TestApi.json("name", "")),
                new Case("PATCH", "/v1/project", TestApi.json("plan", "platinum")),
                new Case("PATCH", "/v1/project", TestApi.json("delete_protection", "on")),
                new Case("PATCH", "/v1/project", TestApi.json("ip_allowlist", List.of("10.0.0.1/33"))),
                new Case("PATCH", "/v1/project", TestApi.json("ip_allowlist", List.of("not-an-ip"))),
                new Case("PATCH", "/v1/project", TestApi.json("ip_allowlist", List.of("10.0.0.1/8"))),
                new Case("PATCH", "/v1/project", TestApi.json("recovery_window_days", -1)),
                new Case("PATCH", "/v1/project", TestApi.json("retention", Map.of("dialogue_days", "ten"))),
                new Case("POST", "/v1/keys", TestApi.json("name", "k")),
                new Case("POST", "/v1/keys", TestApi.json("capabilities", List.of())),
                new Case("POST", "/v1/keys", TestApi.json("capabilities", List.of("root"))),
                new Case("POST", "/v1/keys", TestApi.json("capabilities", "read")),
                new Case(
                        "POST",
                        "/v1/keys",
                        TestApi.json("capabilities", List.of("read"), "expires_at", "2001-01-01T00:00:00Z")),
                new Case(
                        "POST",
                        "/v1/keys",
                        TestApi.json("capabilities", List.of("read"), "ip_allowlist", List.of("300.1.1.1"))),
                // PostgreSQL text cannot hold NUL: names stored as plain text refuse it
                new Case("POST", "/v1/keys", TestApi.json("name", "a\u0000b", "capabilities", List.of("read"))),
                new Case("PATCH", "/v1/project", TestApi.json("name", "a\u0000b")),
                // null inside tags, on create as on PATCH
                new Case("POST", dialogues, "{\"tags\":[\"ok\",null]}"),
                new Case("PATCH", dialogues + "/" + dialogue, "{\"tags\":[null]}"),
                // metadata numbers a double cannot hold exactly
                new Case("POST", dialogues, "{\"metadata\":{\"n\":" + "9".repeat(400) + "}}"),
                new Case("POST", dialogues, "{\"metadata\":{\"n\":[1e400]}}"),
                new Case("POST", dialogues, "{\"metadata\":{\"n\":{\"m\":1e-400}}}"),
                new Case("POST", dialogues, "{\"metadata\":{\"n\":0.12345678901234567890123}}"),
                new Case("POST", dialogues, "{\"metadata\":{\"n\":9007199254740993}}"),
                new Case("POST", messages, "{\"role\":\"user\",\"content\":\"x\",\"metadata\":{\"n\":-1e400}}"),
                new Case(
                        "POST",
                        memories,
                        "{\"kind\":\"long_term\",\"content\":\"x\",\"metadata\":{\"n\":1" + "0".repeat(400) + "}}"),
                new Case("PATCH", dialogues + "/" + dialogue, "{\"metadata\":{\"n\":1e400}}"),
                new Case("PATCH", memories + "/" + memory, "{\"metadata\":{\"n\":" + "1".repeat(400) + "}}"),
                // expires_at beyond what can be stored
                new Case(
                        "POST",
                        "/v1/keys",
                        TestApi.json("capabilities", List.of("read"), "expires_at", "+999999999-12-31T23:59:59Z")),
                new Case(
                        "POST",
                        memories,
                        TestApi.json("kind", "long_term", "content", "x", "expires_at", "+999999999-12-31T23:59:59Z")),
                new Case("PATCH", memories + "/" + memory, TestApi.json("expires_at", "+999999999-12-31T23:59:59Z")),
                new Case("PATCH", memories + "/" + memory, TestApi.json("expires_at", "+10000-01-01T00:00:00Z"))));
        return cases;
    }

    @Test
    void everyBadBodyGetsTheContractsErrorAndWritesNothing() {
        String before = state();
        for (Case c : cases()) {
            TestApi.Response r = api.send(
                    c.method(), c.path(), project.adminKey(), c.body(), Map.of("Content-Type", "application/json"));
            assertThat(r.status())
                    .as("%s %s %s -> %s", c.method(), c.path(), abbreviate(c.body()), r.body())
                    .isBetween(400, 499);
            assertContractError(r);
        }
        assertThat(state()).isEqualTo(before);
    }

    @Test
    void aProjectNameWithNulIsRefusedWhenTheOperatorCreatesIt() {
        TestApi.Response r =
                api.post(io.colloquy.IntegrationTest.OPERATOR_TOKEN, "/v1/projects", TestApi.json("name", "a\u0000b"));
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().at("/error/fields/0/field").asString()).isEqualTo("name");
        assertContractError(r);
    }

    @Test
    void nulInEncryptedFieldsRoundTrips() {
        String nul = "before\u0000after";
        TestApi.Response d = api.post(
                project.adminKey(),
                "/v1/namespaces/" + ns + "/dialogues",
                TestApi.json("title", nul, "tags", List.of(nul), "metadata", Map.of(nul, nul)));
        assertThat(d.status()).as(d.body()).isEqualTo(201);
        TestApi.Response read = api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d.text("/id"));
        assertThat(read.text("/title")).isEqualTo(nul);
        assertThat(read.json().at("/tags/0").asString()).isEqualTo(nul);
        assertThat(read.json().at("/metadata").get(nul).asString()).isEqualTo(nul);
        TestApi.Response m = api.post(
                project.adminKey(),
                "/v1/namespaces/" + ns + "/dialogues/" + d.text("/id") + "/messages",
                TestApi.json("role", "user", "content", nul));
        assertThat(m.status()).as(m.body()).isEqualTo(201);
        assertThat(m.text("/content")).isEqualTo(nul);
    }

    @Test
    void metadataNumbersThatFitADoubleRoundTripExactly() {
        String sent = "{\"a\":0.1,\"b\":1e300,\"c\":9007199254740992,\"d\":-2.5e-300,\"e\":[1.5,-7,0],"
                + "\"f\":{\"g\":123456.789}}";
        TestApi.Response created =
                api.post(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues", "{\"metadata\":" + sent + "}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        TestApi.Response read =
                api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + created.text("/id"));
        var expected = TestApi.JSON.readTree(sent);
        var metadata = read.json().get("metadata");
        for (String field : List.of("a", "b", "c", "d")) {
            assertThat(metadata.get(field).decimalValue())
                    .as(field + " in " + read.body())
                    .isEqualByComparingTo(expected.get(field).decimalValue());
        }
        assertThat(metadata.at("/e/0").decimalValue()).isEqualByComparingTo("1.5");
        assertThat(metadata.at("/e/1").decimalValue()).isEqualByComparingTo("-7");
        assertThat(metadata.at("/f/g").decimalValue()).isEqualByComparingTo("123456.789");
    }

    @Test
    void malformedPercentEncodingInTheQueryIs400() {
        String base = "/v1/namespaces/" + ns;
        List<String> routes = List.of(
                base + "/dialogues",
                base + "/dialogues/" + dialogue,
                base + "/dialogues/" + dialogue + "/messages",
                base + "/memories",
                base + "/memories/" + memory,
                base + "/search",
                "/v1/keys",
                "/v1/project",
                "/v1/audit/events",
                "/v1/webhooks");
        for (String route : routes) {
            for (String query :
                    List.of("limit=%ZZ", "cursor=%FF", "tag=%ED%A0%80", "q=%ED%A0%80", "limit=5%", "namespace=a%00b")) {
                io.colloquy.RawHttp.Response r = io.colloquy.RawHttp.request(
                        port, "GET", route + "?" + query, "Authorization: Bearer " + project.adminKey());
                assertThat(r.status())
                        .as(route + "?" + query + " -> " + r.body())
                        .isEqualTo(400);
                assertThat(r.json().at("/error/code").asString()).isEqualTo("VALIDATION_FAILED");
                assertThat(r.json().at("/error/request_id").asString()).startsWith("req_");
                assertThat(r.header("X-Request-Id")).startsWith("req_");
                assertThat(r.header("X-RateLimit-Limit")).isNotNull();
            }
        }
    }

    @Test
    void aPathWithoutItsNamespaceIs404() {
        for (String path : List.of(
                "/v1/namespaces//dialogues",
                "/v1/namespaces//memories",
                "/v1/namespaces//dialogues/" + dialogue,
                "/v1/namespaces/",
                "/v1/namespaces")) {
            TestApi.Response r = api.get(project.adminKey(), path);
            assertThat(r.status()).as(path + " -> " + r.body()).isEqualTo(404);
            assertThat(r.errorCode()).isEqualTo("NOT_FOUND");
            assertContractError(r);
            assertThat(r.header("X-RateLimit-Limit")).isNotNull();
        }
        TestApi.Response post = api.post(project.adminKey(), "/v1/namespaces//dialogues", "{}");
        assertThat(post.status()).as(post.body()).isEqualTo(404);
    }

    @Test
    void wellFormedSurrogatePairsAreAccepted() {
        TestApi.Response r = api.post(
                project.adminKey(),
                "/v1/namespaces/" + ns + "/dialogues/" + dialogue + "/messages",
                "{\"role\":\"user\",\"content\":\"emoji \\ud83d\\ude00 and \u00e9t\u00e9\",\"metadata\":{\"\u263a\":\"\\ud83d\\ude00\"}}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        assertThat(r.text("/content")).isEqualTo("emoji \ud83d\ude00 and \u00e9t\u00e9");
    }

    @Test
    void validationErrorsNameTheField() {
        TestApi.Response r = api.post(
                project.adminKey(),
                "/v1/namespaces/" + ns + "/dialogues/" + dialogue + "/messages",
                TestApi.json("role", "user", "content", 12));
        assertThat(r.errorCode()).isEqualTo("VALIDATION_FAILED");
        assertThat(r.json().at("/error/fields/0/field").asString()).isEqualTo("content");
        TestApi.Response batch = api.post(
                project.adminKey(),
                "/v1/namespaces/" + ns + "/dialogues/" + dialogue + "/messages",
                TestApi.json("messages", List.of(Map.of("role", "user", "content", "ok"), Map.of("role", "user"))));
        assertThat(batch.json().at("/error/fields/0/field").asString()).isEqualTo("messages[1].content");
    }

    @Test
    void oversizedBodyIs413AndNotJsonIs415() {
        String huge = TestApi.json("role", "user", "content", "x".repeat(1_100_000));
        TestApi.Response big =
                api.post(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + dialogue + "/messages", huge);
        assertThat(big.status()).isEqualTo(413);
        assertThat(big.errorCode()).isEqualTo("PAYLOAD_TOO_LARGE");
        TestApi.Response form = api.send(
                "POST",
                "/v1/namespaces/" + ns + "/dialogues",
                project.adminKey(),
                "title=x",
                Map.of("Content-Type", "application/x-www-form-urlencoded"));
        assertThat(form.status()).isEqualTo(415);
        assertThat(form.errorCode()).isEqualTo("UNSUPPORTED_MEDIA_TYPE");
        TestApi.Response none =
                api.send("POST", "/v1/namespaces/" + ns + "/dialogues", project.adminKey(), "{}", Map.of());
        assertThat(none.status()).isEqualTo(415);
    }

    @Test
    void badPathsAndQueriesAreClientErrors() {
        String dialogues = "/v1/namespaces/" + ns + "/dialogues";
        for (String path : List.of(
                dialogues + "?limit=0",
                dialogues + "?limit=201",
                dialogues + "?limit=abc",
                dialogues + "?cursor=***",
                dialogues + "?cursor=bm90LWEtY3Vyc29y",
                dialogues + "/" + dialogue + "/messages?after_seq=-1",
                dialogues + "/" + dialogue + "/messages?after_seq=x",
                "/v1/namespaces/" + ns + "/memories?kind=eternal",
                "/v1/namespaces/" + "n".repeat(129) + "/dialogues",
                "/v1/namespaces/bad%20ns/dialogues")) {
            TestApi.Response r = api.get(project.adminKey(), path);
            assertThat(r.status()).as(path + " -> " + r.body()).isEqualTo(400);
            assertContractError(r);
        }
        for (String path : List.of(
                dialogues + "/not-an-id",
                dialogues + "/dlg_00000000000000000000000000000000",
                dialogues + "/" + dialogue + "/messages/msg_zz",
                "/v1/namespaces/" + ns + "/memories/mem_1",
                "/v1/unknown")) {
            TestApi.Response r = api.get(project.adminKey(), path);
            assertThat(r.status()).as(path).isEqualTo(404);
            assertContractError(r);
        }
        TestApi.Response notUpgraded = api.get(project.adminKey(), "/v1/audit/stream");
        assertThat(notUpgraded.status()).as(notUpgraded.body()).isEqualTo(400);
        assertContractError(notUpgraded);
        TestApi.Response wrongMethod =
                api.send("PUT", dialogues, project.adminKey(), "{}", Map.of("Content-Type", "application/json"));
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertContractError(wrongMethod);
    }

    @Test
    void everyResponseCarriesARequestId() {
        assertThat(api.get(null, "/v1/project").header("X-Request-Id")).startsWith("req_");
        assertThat(api.get(project.adminKey(), "/v1/project").header("X-Request-Id"))
                .startsWith("req_");
        assertThat(api.get(project.adminKey(), "/v1/nowhere").header("X-Request-Id"))
                .startsWith("req_");
        assertThat(api.get(null, "/healthz").header("X-Request-Id")).startsWith("req_");
    }

    private String state() {
        String base = "/v1/namespaces/" + ns;
        return String.join(
                "\n",
                api.get(project.adminKey(), base + "/dialogues?limit=200").body(),
                api.get(project.adminKey(), base + "/dialogues/" + dialogue + "/messages?limit=200")
                        .body(),
                api.get(project.adminKey(), base + "/memories?limit=200").body(),
                api.get(project.adminKey(), "/v1/project").body(),
                api.get(project.adminKey(), "/v1/keys").body().replaceAll("\"last_used_at\":\"[^\"]*\"", ""));
    }

    static void assertContractError(TestApi.Response r) {
        assertThat(r.header("Content-Type")).as(r.body()).startsWith("application/json");
        assertThat(r.json().at("/error/code").isString()).as(r.body()).isTrue();
        assertThat(r.json().at("/error/message").isString()).isTrue();
        assertThat(r.json().at("/error/type").isString()).isTrue();
        assertThat(r.json().at("/error/request_id").asString()).startsWith("req_");
        assertThat(r.body()).doesNotContain("Exception", "at io.", "SQL", "org.springframework");
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
