package io.colloquy.mcp;

import static io.colloquy.mcp.TestMcp.args;
import static io.colloquy.mcp.TestMcp.call;
import static io.colloquy.mcp.TestMcp.error;
import static io.colloquy.mcp.TestMcp.ok;
import static io.colloquy.mcp.TestMcp.withoutRequestId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.audit.TestAudit;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** The MCP server at {@code /mcp}, driven by the official MCP Java SDK client over Streamable HTTP. */
@IntegrationTest
class McpIntegrationTests {
    private static final List<String> TOOLS = List.of(
            "create_dialogue",
            "get_dialogue",
            "list_dialogues",
            "append_messages",
            "list_recent_messages",
            "search",
            "remember",
            "recall",
            "forget");

    @LocalServerPort
    int port;

    TestApi api;
    TestProject project;
    String ns;
    McpSyncClient mcp;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
        project = TestProjects.aProject(api);
        ns = TestProjects.aNamespace();
        mcp = TestMcp.client(port, project.adminKey());
    }

    @AfterEach
    void tearDown() {
        mcp.close();
    }

    @Test
    void listsEveryToolWithAnInputSchemaThatRequiresTheNamespace() {
        List<McpSchema.Tool> tools = mcp.listTools().tools();
        assertThat(tools).extracting(McpSchema.Tool::name).containsExactlyInAnyOrderElementsOf(TOOLS);
        for (McpSchema.Tool tool : tools) {
            assertThat(tool.description()).as(tool.name()).isNotBlank();
            JsonNode schema = TestApi.JSON.valueToTree(tool.inputSchema());
            assertThat(schema.get("type").asString()).isEqualTo("object");
            assertThat(schema.get("required"))
                    .as(tool.name())
                    .extracting(JsonNode::asString)
                    .contains("namespace");
            assertThat(schema.at("/properties/namespace/pattern").asString()).isEqualTo("^[A-Za-z0-9._:-]{1,128}$");
            assertThat(schema.at("/properties/namespace/description").asString())
                    .isNotBlank();
            assertThat(schema.get("additionalProperties").asBoolean(true)).isFalse();
        }
    }

    @Test
    void createsAppendsReadsAndSearchesADialogueWithTheRestApisShapes() {
        JsonNode created = ok(
                mcp,
                "create_dialogue",
                args("namespace", ns, "title", "trip", "tags", List.of("travel"), "metadata", Map.of("a", 1)));
        String id = created.get("id").asString();
        assertThat(id).matches("dlg_[0-9a-f]{32}");
        assertThat(created.get("namespace").asString()).isEqualTo(ns);

        JsonNode appended = ok(
                mcp,
                "append_messages",
                args(
                        "namespace",
                        ns,
                        "dialogue_id",
                        id,
                        "messages",
                        List.of(
                                Map.of("role", "user", "content", "book a flight to Lisbon"),
                                Map.of("role", "assistant", "content", "done", "metadata", Map.of("tool", "x")))));
        assertThat(appended.get("data")).hasSize(2);
        assertThat(appended.at("/data/1/seq").asLong()).isEqualTo(2);
        String messages = "/v1/namespaces/" + ns + "/dialogues/" + id + "/messages";
        assertThat(appended.get("data"))
                .isEqualTo(api.get(project.adminKey(), messages).json().get("data"));

        String dialogue = "/v1/namespaces/" + ns + "/dialogues/" + id;
        assertThat(ok(mcp, "get_dialogue", args("namespace", ns, "id", id)))
                .isEqualTo(api.get(project.adminKey(), dialogue).json());
        assertThat(ok(mcp, "list_dialogues", args("namespace", ns, "tag", "travel")))
                .isEqualTo(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues?tag=travel")
                        .json());

        for (int i = 3; i <= 5; i++) {
            project.message(ns, id, "message " + i);
        }
        JsonNode recent = ok(mcp, "list_recent_messages", args("namespace", ns, "dialogue_id", id, "limit", 2));
        assertThat(recent.get("data")).extracting(m -> m.get("seq").asLong()).containsExactly(4L, 5L);
        assertThat(ok(mcp, "list_recent_messages", args("namespace", ns, "dialogue_id", id))
                        .get("data"))
                .hasSize(5);

        JsonNode found = ok(mcp, "search", args("namespace", ns, "q", "Lisbon flight"));
        assertThat(found.get("data")).hasSize(1);
        assertThat(found)
                .isEqualTo(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/search?q=Lisbon+flight")
                        .json());
        assertThat(found.at("/data/0/dialogue_id").asString()).isEqualTo(id);
        assertThat(ok(mcp, "search", args("namespace", ns, "q", "Lisbon", "types", List.of("memories")))
                        .get("data"))
                .isEmpty();
    }

    @Test
    void remembersRecallsAndForgetsAMemoryAndTheAuditLogNamesTheKey() {
        JsonNode memory = ok(
                mcp, "remember", args("namespace", ns, "content", "prefers green tea", "metadata", Map.of("s", "x")));
        String id = memory.get("id").asString();
        assertThat(memory.get("kind").asString()).isEqualTo("long_term");
        assertThat(memory)
                .isEqualTo(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/memories/" + id)
                        .json());
        ok(mcp, "remember", args("namespace", ns, "content", "lives in Porto", "kind", "short_term"));

        JsonNode recalled = ok(mcp, "recall", args("namespace", ns, "q", "tea"));
        assertThat(recalled.get("data")).extracting(h -> h.get("id").asString()).containsExactly(id);
        assertThat(recalled.at("/data/0/type").asString()).isEqualTo("memory");

        JsonNode forgotten = ok(mcp, "forget", args("namespace", ns, "id", id));
        assertThat(forgotten.get("deleted").asBoolean()).isTrue();
        assertThat(ok(mcp, "recall", args("namespace", ns, "q", "tea")).get("data"))
                .isEmpty();
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/memories/" + id)
                        .status())
                .isEqualTo(404);

        List<JsonNode> events = TestAudit.events(api, project.adminKey(), 5);
        assertThat(events)
                .filteredOn(e -> e.get("entity_type").asString().equals("memory"))
                .extracting(e -> e.get("action").asString() + " by "
                        + e.at("/actor/type").asString() + " "
                        + e.at("/actor/id").asString() + " in "
                        + e.get("namespace").asString())
                .containsExactly(
                        "created by api_key " + project.adminKeyId() + " in " + ns,
                        "created by api_key " + project.adminKeyId() + " in " + ns,
                        "deleted by api_key " + project.adminKeyId() + " in " + ns);
    }

    @Test
    void aReadKeyReadsButEveryWriteToolIsForbiddenAndWritesNothing() {
        String dialogue = project.dialogue(ns);
        String memory = project.memory(ns, "keep me");
        try (McpSyncClient reader = TestMcp.client(port, project.key("read"))) {
            assertThat(ok(reader, "get_dialogue", args("namespace", ns, "id", dialogue))
                            .get("id")
                            .asString())
                    .isEqualTo(dialogue);
            JsonNode refused = error(
                    reader,
                    "append_messages",
                    args(
                            "namespace",
                            ns,
                            "dialogue_id",
                            dialogue,
                            "messages",
                            List.of(Map.of("role", "user", "content", "hi"))));
            assertThat(refused.get("code").asString()).isEqualTo("FORBIDDEN");
            assertThat(refused.get("type").asString()).isEqualTo("authorization");
            assertThat(refused.get("request_id").asString()).startsWith("req_");
            assertThat(error(reader, "create_dialogue", args("namespace", ns))
                            .get("code")
                            .asString())
                    .isEqualTo("FORBIDDEN");
            assertThat(error(reader, "remember", args("namespace", ns, "content", "x"))
                            .get("code")
                            .asString())
                    .isEqualTo("FORBIDDEN");
            assertThat(error(reader, "forget", args("namespace", ns, "id", memory))
                            .get("code")
                            .asString())
                    .isEqualTo("FORBIDDEN");
            // refused before its arguments are even looked at
            assertThat(error(reader, "append_messages", args()).get("code").asString())
                    .isEqualTo("FORBIDDEN");
        }
        String base = "/v1/namespaces/" + ns;
        assertThat(api.get(project.adminKey(), base + "/dialogues/" + dialogue + "/messages")
                        .json()
                        .get("data"))
                .isEmpty();
        assertThat(api.get(project.adminKey(), base + "/dialogues").json().get("data"))
                .hasSize(1);
        assertThat(api.get(project.adminKey(), base + "/memories/" + memory).status())
                .isEqualTo(200);
    }

    @Test
    void findsOrCreatesADialogueByTheApplicationsOwnKeyOnlyInItsNamespaceAndProject() {
        JsonNode created = ok(mcp, "create_dialogue", args("namespace", ns, "key", "chat-42", "title", "first"));
        assertThat(created.get("key").asString()).isEqualTo("chat-42");
        JsonNode again = ok(mcp, "create_dialogue", args("namespace", ns, "key", "chat-42", "title", "second"));
        assertThat(again.get("id")).isEqualTo(created.get("id"));
        assertThat(again.get("title").asString()).isEqualTo("first");
        assertThat(ok(mcp, "get_dialogue", args("namespace", ns, "key", "chat-42")))
                .isEqualTo(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/by-key/chat-42")
                        .json());

        TestProject other = TestProjects.aProject(api);
        try (McpSyncClient foreign = TestMcp.client(port, other.adminKey())) {
            assertThat(error(foreign, "get_dialogue", args("namespace", ns, "key", "chat-42"))
                            .get("code")
                            .asString())
                    .isEqualTo("NOT_FOUND");
            JsonNode theirs = ok(foreign, "create_dialogue", args("namespace", ns, "key", "chat-42"));
            assertThat(theirs.get("id")).isNotEqualTo(created.get("id"));
        }
        assertThat(error(mcp, "get_dialogue", args("namespace", TestProjects.aNamespace(), "key", "chat-42"))
                        .get("code")
                        .asString())
                .isEqualTo("NOT_FOUND");
        assertFields(error(mcp, "get_dialogue", args("namespace", ns)), "id");
        assertFields(
                error(
                        mcp,
                        "get_dialogue",
                        args("namespace", ns, "id", created.get("id").asString(), "key", "x")),
                "id");
        assertFields(error(mcp, "create_dialogue", args("namespace", ns, "key", "no spaces")), "key");
    }

    @Test
    void anotherProjectsKeyAndAnotherNamespaceSeeNothingAndAForeignIdIsNotFoundLikeARandomOne() {
        String dialogue = project.dialogue(ns);
        project.message(ns, dialogue, "secret plans");
        String memory = project.memory(ns, "secret preference");
        TestProject other = TestProjects.aProject(api);
        String otherNs = TestProjects.aNamespace();
        String random = "dlg_0190f0c0a0b07c0d8e0f101112131415";
        String randomMemory = "mem_0190f0c0a0b07c0d8e0f101112131415";
        try (McpSyncClient foreign = TestMcp.client(port, other.adminKey())) {
            for (var view : List.of(new Object[] {foreign, ns}, new Object[] {mcp, otherNs})) {
                McpSyncClient client = (McpSyncClient) view[0];
                String namespace = (String) view[1];
                JsonNode notFound =
                        withoutRequestId(error(client, "get_dialogue", args("namespace", namespace, "id", random)));
                assertThat(notFound.get("code").asString()).isEqualTo("NOT_FOUND");
                assertThat(withoutRequestId(
                                error(client, "get_dialogue", args("namespace", namespace, "id", dialogue))))
                        .isEqualTo(notFound);
                assertThat(withoutRequestId(error(
                                client, "list_recent_messages", args("namespace", namespace, "dialogue_id", dialogue))))
                        .isEqualTo(withoutRequestId(error(
                                client, "list_recent_messages", args("namespace", namespace, "dialogue_id", random))));
                assertThat(withoutRequestId(error(
                                client,
                                "append_messages",
                                args(
                                        "namespace",
                                        namespace,
                                        "dialogue_id",
                                        dialogue,
                                        "messages",
                                        List.of(Map.of("role", "user", "content", "injected"))))))
                        .isEqualTo(notFound);
                JsonNode memoryNotFound =
                        withoutRequestId(error(client, "forget", args("namespace", namespace, "id", randomMemory)));
                assertThat(withoutRequestId(error(client, "forget", args("namespace", namespace, "id", memory))))
                        .isEqualTo(memoryNotFound);
                assertThat(ok(client, "list_dialogues", args("namespace", namespace))
                                .get("data"))
                        .isEmpty();
                assertThat(ok(client, "search", args("namespace", namespace, "q", "secret"))
                                .get("data"))
                        .isEmpty();
                assertThat(ok(client, "recall", args("namespace", namespace, "q", "secret"))
                                .get("data"))
                        .isEmpty();
            }
        }
        String base = "/v1/namespaces/" + ns;
        assertThat(api.get(project.adminKey(), base + "/dialogues/" + dialogue + "/messages")
                        .json()
                        .get("data"))
                .extracting(m -> m.get("content").asString())
                .containsExactly("secret plans");
        assertThat(api.get(project.adminKey(), base + "/memories/" + memory).status())
                .isEqualTo(200);
    }

    @Test
    void badArgumentsAreToolErrorsWithTheFieldsNeverAServerError() {
        String dialogue = project.dialogue(ns);
        assertFields(error(mcp, "list_dialogues", args()), "namespace");
        assertFields(error(mcp, "list_dialogues", args("namespace", "no spaces allowed")), "namespace");
        assertFields(error(mcp, "list_dialogues", args("namespace", 12)), "namespace");
        assertFields(error(mcp, "list_dialogues", args("namespace", ns, "limit", 0)), "limit");
        assertFields(error(mcp, "list_dialogues", args("namespace", ns, "limit", "10")), "limit");
        assertFields(error(mcp, "get_dialogue", args("namespace", ns)), "id");
        assertFields(error(mcp, "append_messages", args("namespace", ns, "dialogue_id", dialogue)), "messages");
        assertFields(
                error(mcp, "append_messages", args("namespace", ns, "dialogue_id", dialogue, "messages", List.of())),
                "messages");
        assertFields(
                error(
                        mcp,
                        "append_messages",
                        args(
                                "namespace",
                                ns,
                                "dialogue_id",
                                dialogue,
                                "messages",
                                List.of(
                                        Map.of("role", "user", "content", "fine"),
                                        Map.of("role", "robot", "content", "x")))),
                "messages[1].role");
        assertFields(
                error(
                        mcp,
                        "append_messages",
                        args("namespace", ns, "dialogue_id", dialogue, "messages", List.of(Map.of("role", "user")))),
                "messages[0].content");
        // sent as JSON text: the escape reaches the server as it is (a client library may replace it first)
        TestApi.Response lone = api.send(
                "POST",
                "/mcp",
                project.adminKey(),
                """
                {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"remember",
                 "arguments":{"namespace":"%s","content":"lone \\ud800 surrogate"}}}""".formatted(ns),
                Map.of("Content-Type", "application/json", "Accept", "application/json, text/event-stream"));
        assertThat(lone.json().at("/result/isError").asBoolean())
                .as(lone.body())
                .isTrue();
        assertFields(
                TestApi.JSON
                        .readTree(lone.json().at("/result/content/0/text").asString())
                        .get("error"),
                "content");
        assertFields(error(mcp, "search", args("namespace", ns)), "q");
        assertFields(error(mcp, "search", args("namespace", ns, "q", "!!!")), "q");
        assertFields(error(mcp, "search", args("namespace", ns, "q", "x", "types", List.of("files"))), "types");
        assertFields(error(mcp, "remember", args("namespace", ns)), "content");
        assertFields(error(mcp, "remember", args("namespace", ns, "content", "x", "kind", "forever")), "kind");
        assertFields(error(mcp, "remember", args("namespace", ns, "content", "x", "expires_at", "soon")), "expires_at");
        assertFields(error(mcp, "create_dialogue", args("namespace", ns, "tags", "not a list")), "tags");
        assertFields(error(mcp, "create_dialogue", args("namespace", ns, "metadata", List.of(1))), "metadata");
        // the first message was valid: nothing of a refused batch is stored
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + dialogue + "/messages")
                        .json()
                        .get("data"))
                .isEmpty();
        assertThatThrownBy(() -> call(mcp, "drop_everything", args("namespace", ns)))
                .isInstanceOf(McpError.class);
    }

    @Test
    void refusesARequestWithoutAValidKeyWithTheContractsError() {
        String initialize = """
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",
                 "capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";
        Map<String, String> headers =
                Map.of("Content-Type", "application/json", "Accept", "application/json, text/event-stream");
        TestApi.Response anonymous = api.send("POST", "/mcp", null, initialize, headers);
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.errorCode()).isEqualTo("UNAUTHENTICATED");
        assertThat(anonymous.text("/error/request_id")).startsWith("req_");
        TestApi.Response badKey =
                api.send("POST", "/mcp", "cq_key_00000000000000000000000000000000_nope", initialize, headers);
        assertThat(badKey.status()).isEqualTo(401);
        assertThat(badKey.errorCode()).isEqualTo("UNAUTHENTICATED");
        assertThatThrownBy(() -> TestMcp.client(port, "cq_key_not_a_key").close())
                .isInstanceOf(RuntimeException.class);

        TestApi.Response answered = api.send("POST", "/mcp", project.adminKey(), initialize, headers);
        assertThat(answered.status()).as(answered.body()).isEqualTo(200);
        assertThat(answered.text("/result/serverInfo/name")).isEqualTo("colloquy");
    }

    @Test
    void protocolMistakesAreAnsweredWithoutAServerErrorOrAStackTrace() {
        Map<String, String> json =
                Map.of("Content-Type", "application/json", "Accept", "application/json, text/event-stream");
        for (TestApi.Response r : List.of(
                api.send("POST", "/mcp", project.adminKey(), "{not json", json),
                api.send("POST", "/mcp", project.adminKey(), "[]", json),
                api.send(
                        "POST", "/mcp", project.adminKey(), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope\"}", json),
                api.send("POST", "/mcp", project.adminKey(), "{}", Map.of("Content-Type", "text/plain")),
                api.send("POST", "/mcp", project.adminKey(), "{}", Map.of("Content-Type", "application/json")),
                api.send("GET", "/mcp", project.adminKey(), null, Map.of()),
                api.send("DELETE", "/mcp", project.adminKey(), null, Map.of()))) {
            assertThat(r.status()).as(r.body()).isBetween(200, 499);
            assertThat(r.body()).doesNotContain("Exception", "\tat ", "stackTrace");
            if (r.status() >= 400) {
                assertThat(r.errorCode()).as(r.body()).isNotEmpty();
                assertThat(r.text("/error/request_id")).startsWith("req_");
            }
        }
        TestApi.Response notJson = api.send("POST", "/mcp", project.adminKey(), "{not json", json);
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.errorCode()).isEqualTo("VALIDATION_FAILED");
        TestApi.Response get = api.send("GET", "/mcp", project.adminKey(), null, Map.of());
        assertThat(get.status()).isEqualTo(405);
        assertThat(get.errorCode()).isEqualTo("METHOD_NOT_ALLOWED");
        TestApi.Response unknownMethod = api.send(
                "POST", "/mcp", project.adminKey(), "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"nope\"}", json);
        assertThat(unknownMethod.json().at("/error/code").asInt()).isEqualTo(-32601);
    }

    private static void assertFields(JsonNode error, String field) {
        assertThat(error.get("code").asString()).as(error.toString()).isEqualTo("VALIDATION_FAILED");
        assertThat(error.get("fields"))
                .extracting(f -> f.get("field").asString())
                .contains(field);
    }
}
