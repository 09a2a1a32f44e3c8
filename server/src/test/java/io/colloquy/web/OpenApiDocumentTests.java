package io.colloquy.web;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.networknt.schema.Error;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.accounts.TestAccounts;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAPI document is a contract a client can be generated from: valid OpenAPI, snake_case like the
 * wire, every response it documents matches what the server really answers, and the copy in
 * {@code docs/openapi.json} is exactly what the server serves.
 */
@IntegrationTest
class OpenApiDocumentTests {
    /** Set to true ({@code -Dcolloquy.openapi.write=true}) to rewrite docs/openapi.json from the server. */
    private static final String WRITE = "colloquy.openapi.write";

    private static final Path COMMITTED = Path.of("..", "docs", "openapi.json");
    private static final JsonMapper PRETTY =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    @LocalServerPort
    int port;

    private JsonNode document() {
        TestApi.Response r = new TestApi(port).get(null, "/v1/openapi.json");
        assertThat(r.status()).isEqualTo(200);
        return r.json();
    }

    @Test
    void isAValidOpenApiDocument() {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result =
                new OpenAPIV3Parser().readContents(document().toString(), null, options);
        assertThat(result.getMessages()).isEmpty();
        assertThat(result.getOpenAPI().getPaths()).isNotEmpty();
    }

    @Test
    void committedCopyInDocsIsExactlyWhatTheServerServes() throws IOException {
        JsonNode served = document();
        if (Boolean.getBoolean(WRITE)) {
            Files.writeString(COMMITTED, PRETTY.writeValueAsString(served) + "\n");
        }
        assertThat(Files.exists(COMMITTED))
                .as("docs/openapi.json is missing: run ./mvnw test -Dtest=OpenApiDocumentTests -D" + WRITE + "=true")
                .isTrue();
        assertThat(TestApi.JSON.readTree(Files.readString(COMMITTED)))
                .as("docs/openapi.json drifted from the server: rewrite it with -D" + WRITE + "=true")
                .isEqualTo(served);
    }

    @Test
    void namesEveryPropertyAsTheWireDoesInSnakeCase() {
        List<String> notSnake = new ArrayList<>();
        document().at("/components/schemas").properties().forEach(schema -> {
            JsonNode properties = schema.getValue().get("properties");
            if (properties != null) {
                properties.propertyNames().forEach(name -> {
                    if (!name.matches("[a-z][a-z0-9_]*")) {
                        notSnake.add(schema.getKey() + "." + name);
                    }
                });
            }
        });
        assertThat(notSnake).isEmpty();
        assertThat(document().at("/components/schemas/DialogueView/properties").has("message_count"))
                .isTrue();
        assertThat(document().at("/components/schemas/DialogueView/properties").has("metadata"))
                .isTrue();
    }

    @Test
    void saysThatAFreeFormObjectTakesAnyMember() {
        List<String> closed = new ArrayList<>();
        document()
                .at("/components/schemas")
                .properties()
                .forEach(schema -> freeFormObjects(schema.getKey(), schema.getValue(), closed));
        assertThat(closed)
                .as("objects without properties must say additionalProperties (else generators read them as empty)")
                .isEmpty();
        assertThat(document()
                        .at("/components/schemas/DialogueView/properties/metadata/additionalProperties")
                        .asBoolean())
                .isTrue();
    }

    private static void freeFormObjects(String where, JsonNode schema, List<String> closed) {
        JsonNode type = schema.get("type");
        boolean object = type != null
                && (type.isArray()
                        ? type.toString().contains("\"object\"")
                        : type.asString().equals("object"));
        if (object && !schema.has("properties") && !schema.has("additionalProperties")) {
            closed.add(where);
        }
        if (schema.has("properties")) {
            schema.get("properties")
                    .properties()
                    .forEach(p -> freeFormObjects(where + "." + p.getKey(), p.getValue(), closed));
        }
    }

    @Test
    void documentsPatchBodiesByTheirFieldsNotAsJsonTrees() {
        JsonNode doc = document();
        assertThat(doc.at("/components/schemas").has("JsonNode")).isFalse();
        assertThat(doc.at("/components/schemas").has("ObjectNode")).isFalse();
        Map<String, String> bodies = Map.of(
                "/v1/project", "ProjectChanges",
                "/v1/projects/{id}", "ProjectPlanChange",
                "/v1/namespaces/{ns}/dialogues/{id}", "DialogueChanges",
                "/v1/namespaces/{ns}/memories/{id}", "MemoryChanges",
                "/v1/namespaces/{ns}/dialogues/{id}/messages/{mid}", "MessageChanges");
        bodies.forEach((path, schema) -> assertThat(doc.get("paths")
                        .get(path)
                        .at("/patch/requestBody/content/application~1json/schema/$ref")
                        .asString())
                .isEqualTo("#/components/schemas/" + schema));
        assertThat(doc.at("/components/schemas/DialogueChanges/properties").propertyNames())
                .containsExactlyInAnyOrder("title", "metadata", "tags", "legal_hold", "status");
        assertThat(doc.at("/components/schemas/ProjectChanges/properties").has("ip_allowlist"))
                .isTrue();
    }

    @Test
    void documentsTheAuditWebSocketAsAnUpgradeWithItsQueryParameters() {
        JsonNode get = document().at("/paths/~1v1~1audit~1stream/get");
        assertThat(get.at("/responses").has("101")).isTrue();
        List<String> query = new ArrayList<>();
        get.get("parameters").forEach(p -> {
            if (p.get("in").asString().equals("query")) {
                query.add(p.get("name").asString());
            }
        });
        assertThat(query).containsExactlyInAnyOrder("token", "namespace", "entity_type", "after_seq");
    }

    @Test
    void documentsTheErrorBodyAndEveryErrorCodeOnEveryOperation() {
        JsonNode doc = document();
        List<String> codes = new ArrayList<>();
        doc.at("/components/schemas/ErrorDetail/properties/code/enum").forEach(c -> codes.add(c.asString()));
        assertThat(codes)
                .contains("REQUEST_TIMEOUT", "SERVICE_UNAVAILABLE")
                .containsAll(Arrays.stream(ErrorCode.values()).map(Enum::name).toList());
        assertThat(doc.at("/components/schemas/ErrorDetail/required").toString())
                .contains("code", "message", "type", "request_id");
        doc.get("paths")
                .properties()
                .forEach(path -> path.getValue().properties().forEach(op -> {
                    JsonNode responses = op.getValue().get("responses");
                    for (String status : List.of("400", "401", "404", "429", "500", "503", "default")) {
                        String ref = responses.at("/" + status + "/$ref").asString();
                        assertThat(ref)
                                .as(op.getKey() + " " + path.getKey() + " " + status)
                                .startsWith("#/components/responses/");
                        JsonNode response = doc.at(ref.substring(1));
                        assertThat(response.at("/content/application~1json/schema/$ref")
                                        .asString())
                                .isEqualTo("#/components/schemas/Error");
                        assertThat(response.at("/headers").has("X-Request-Id")).isTrue();
                    }
                    if (op.getValue().has("requestBody")) {
                        assertThat(responses.has("408"))
                                .as(op.getKey() + " " + path.getKey())
                                .isTrue();
                    }
                }));
    }

    @Test
    void fetchingTheDocumentLogsNoWarning() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        root.addAppender(appender);
        try {
            // springdoc caches the document per locale: a locale of its own makes it build the document anew
            String locale = "en-x-" + UUID.randomUUID().toString().substring(0, 8);
            TestApi.Response r =
                    new TestApi(port).withHeader("Accept-Language", locale).get(null, "/v1/openapi.json");
            assertThat(r.status()).isEqualTo(200);
        } finally {
            root.detachAppender(appender);
        }
        assertThat(appender.list)
                .filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .filteredOn(e -> e.getLoggerName().startsWith("org.springdoc")
                        || e.getLoggerName().startsWith("io.swagger"))
                .isEmpty();
    }

    /**
     * Calls every documented operation with valid input on the real server and checks the answer against
     * the document: its status is documented, its body matches the documented schema, and it carries the
     * documented headers.
     */
    @Test
    void everyOperationAnswersWhatItsDocumentSays() {
        JsonNode doc = document();
        TestApi api = new TestApi(port);
        Map<String, Supplier<TestApi.Response>> calls = new ValidCalls(api).all();
        Set<String> documented = new HashSet<>();
        doc.get("paths").properties().forEach(path -> path.getValue()
                .propertyNames()
                .forEach(method -> documented.add(method.toUpperCase(java.util.Locale.ROOT) + " " + path.getKey())));
        documented.remove("GET /v1/audit/stream"); // a WebSocket: AuditStreamIntegrationTests
        assertThat(calls.keySet()).containsExactlyInAnyOrderElementsOf(documented);

        var registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
        List<String> mismatches = new ArrayList<>();
        calls.forEach((operation, call) -> {
            TestApi.Response r = call.get();
            String[] parts = operation.split(" ", 2);
            JsonNode op = doc.get("paths").get(parts[1]).get(parts[0].toLowerCase(java.util.Locale.ROOT));
            JsonNode response = op.at("/responses/" + r.status());
            if (r.status() >= 300 || response.isMissingNode()) {
                mismatches.add(operation + ": undocumented " + r.status() + " " + r.body());
                return;
            }
            for (String header : List.of("X-Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining")) {
                if (response.at("/headers").has(header) && r.header(header) == null) {
                    mismatches.add(operation + ": no " + header);
                }
            }
            JsonNode schema = response.at("/content/application~1json/schema");
            if (schema.isMissingNode()) {
                if (!r.body().isEmpty()) {
                    mismatches.add(operation + ": undocumented body " + r.body());
                }
                return;
            }
            ObjectNode root = TestApi.JSON.createObjectNode();
            root.putArray("allOf").add(schema);
            root.set("components", doc.get("components"));
            List<Error> errors = registry.getSchema(root).validate(r.json());
            if (!errors.isEmpty()) {
                mismatches.add(operation + ": " + errors + " in " + r.body());
            }
        });
        assertThat(mismatches).isEmpty();
    }

    /** One valid request for each operation, in an order that leaves each one something to act on. */
    private static final class ValidCalls {
        private final TestApi api;
        private final TestProject p;
        private final String ns = TestProjects.aNamespace();

        ValidCalls(TestApi api) {
            this.api = api;
            this.p = TestProjects.aProject(api);
        }

        Map<String, Supplier<TestApi.Response>> all() {
            String key = p.adminKey();
            String op = IntegrationTest.OPERATOR_TOKEN;
            String base = "/v1/namespaces/" + ns;
            assertThat(api.patch(key, "/v1/project", "{\"recovery_window_days\": 7}")
                            .status())
                    .isEqualTo(200);
            String dialogue = p.dialogue(ns);
            String message = p.message(ns, dialogue, "hello openapi");
            String memory = p.memory(ns, "a memory about openapi");
            Map<String, Supplier<TestApi.Response>> calls = new LinkedHashMap<>();
            calls.put("POST /v1/projects", () -> api.post(op, "/v1/projects", "{\"name\": \"openapi\"}"));
            calls.put(
                    "PATCH /v1/projects/{id}",
                    () -> api.patch(op, "/v1/projects/" + p.id(), "{\"plan\": \"unlimited\"}"));
            calls.put("GET /v1/project", () -> api.get(key, "/v1/project"));
            calls.put("PATCH /v1/project", () -> api.patch(key, "/v1/project", "{\"name\": \"renamed\"}"));
            calls.put("GET /v1/project/retention/preview", () -> api.get(key, "/v1/project/retention/preview"));
            calls.put(
                    "POST /v1/keys",
                    () -> api.post(key, "/v1/keys", "{\"name\": \"reader\", \"capabilities\": [\"read\"]}"));
            calls.put("GET /v1/keys", () -> api.get(key, "/v1/keys"));
            calls.put("DELETE /v1/keys/{id}", () -> {
                String id = api.post(key, "/v1/keys", "{\"capabilities\": [\"read\"]}")
                        .text("/id");
                return api.delete(key, "/v1/keys/" + id);
            });
            calls.put(
                    "POST /v1/namespaces/{ns}/dialogues",
                    () -> api.post(key, base + "/dialogues", "{\"title\": \"t\", \"metadata\": {\"a\": 1}}"));
            calls.put("GET /v1/namespaces/{ns}/dialogues", () -> api.get(key, base + "/dialogues?limit=1"));
            calls.put(
                    "PUT /v1/namespaces/{ns}/dialogues/by-key/{key}",
                    () -> api.send(
                            "PUT",
                            base + "/dialogues/by-key/app:conv-1",
                            key,
                            "{\"title\": \"t\"}",
                            Map.of("Content-Type", "application/json")));
            calls.put(
                    "GET /v1/namespaces/{ns}/dialogues/by-key/{key}",
                    () -> api.get(key, base + "/dialogues/by-key/app:conv-1"));
            calls.put("GET /v1/namespaces/{ns}/dialogues/{id}", () -> api.get(key, base + "/dialogues/" + dialogue));
            calls.put(
                    "PATCH /v1/namespaces/{ns}/dialogues/{id}",
                    () -> api.patch(key, base + "/dialogues/" + dialogue, "{\"title\": null, \"tags\": [\"x\"]}"));
            calls.put(
                    "POST /v1/namespaces/{ns}/dialogues/{id}/messages",
                    () -> api.post(
                            key,
                            base + "/dialogues/" + dialogue + "/messages",
                            "{\"messages\": [{\"role\": \"assistant\", \"content\": \"hi\"}]}"));
            calls.put(
                    "GET /v1/namespaces/{ns}/dialogues/{id}/messages",
                    () -> api.get(key, base + "/dialogues/" + dialogue + "/messages?after_seq=0&limit=5"));
            calls.put(
                    "GET /v1/namespaces/{ns}/dialogues/{id}/messages/{mid}",
                    () -> api.get(key, base + "/dialogues/" + dialogue + "/messages/" + message));
            calls.put(
                    "PATCH /v1/namespaces/{ns}/dialogues/{id}/messages/{mid}",
                    () -> api.patch(
                            key,
                            base + "/dialogues/" + dialogue + "/messages/" + message,
                            "{\"content\": \"edited\"}"));
            calls.put(
                    "GET /v1/namespaces/{ns}/dialogues/{id}/threads",
                    () -> api.get(key, base + "/dialogues/" + dialogue + "/threads"));
            calls.put(
                    "PUT /v1/namespaces/{ns}/dialogues/{id}/state",
                    () -> api.send(
                            "PUT",
                            base + "/dialogues/" + dialogue + "/state",
                            key,
                            "{\"step\": 1}",
                            Map.of("Content-Type", "application/json", "If-Match", "\"0\"")));
            calls.put(
                    "PATCH /v1/namespaces/{ns}/dialogues/{id}/state",
                    () -> api.patch(key, base + "/dialogues/" + dialogue + "/state", "{\"step\": 2}"));
            calls.put(
                    "GET /v1/namespaces/{ns}/dialogues/{id}/state",
                    () -> api.get(key, base + "/dialogues/" + dialogue + "/state"));
            calls.put(
                    "DELETE /v1/namespaces/{ns}/dialogues/{id}/messages/{mid}",
                    () -> api.delete(key, base + "/dialogues/" + dialogue + "/messages/" + message));
            calls.put(
                    "DELETE /v1/namespaces/{ns}/dialogues/{id}",
                    () -> api.delete(key, base + "/dialogues/" + p.dialogue(ns)));
            calls.put("POST /v1/namespaces/{ns}/dialogues/{id}/restore", () -> {
                String deleted = p.dialogue(ns);
                api.delete(key, base + "/dialogues/" + deleted);
                return api.post(key, base + "/dialogues/" + deleted + "/restore", null);
            });
            calls.put(
                    "POST /v1/namespaces/{ns}/memories",
                    () -> api.post(
                            key,
                            base + "/memories",
                            "{\"kind\": \"short_term\", \"content\": \"c\", \"expires_at\": \"2099-01-01T00:00:00Z\"}"));
            calls.put("GET /v1/namespaces/{ns}/memories", () -> api.get(key, base + "/memories?kind=long_term"));
            calls.put("GET /v1/namespaces/{ns}/memories/{id}", () -> api.get(key, base + "/memories/" + memory));
            calls.put(
                    "PATCH /v1/namespaces/{ns}/memories/{id}",
                    () -> api.patch(key, base + "/memories/" + memory, "{\"metadata\": {\"b\": true}}"));
            calls.put(
                    "DELETE /v1/namespaces/{ns}/memories/{id}",
                    () -> api.delete(key, base + "/memories/" + p.memory(ns, "gone")));
            calls.put("POST /v1/namespaces/{ns}/memories/{id}/restore", () -> {
                String deleted = p.memory(ns, "back");
                api.delete(key, base + "/memories/" + deleted);
                return api.post(key, base + "/memories/" + deleted + "/restore", null);
            });
            calls.put(
                    "GET /v1/namespaces/{ns}/search",
                    () -> api.get(key, base + "/search?q=openapi&mode=hybrid&min_score=0"));
            calls.put(
                    "GET /v1/namespaces/{ns}/dialogues/{id}/context",
                    () -> api.get(key, base + "/dialogues/" + dialogue + "/context?max_tokens=500&query=openapi"));
            calls.put(
                    "POST /v1/namespaces/{ns}/grounding",
                    () -> api.post(key, base + "/grounding", "{\"answer\": \"The memory is about openapi.\"}"));
            calls.put("POST /v1/namespaces/{ns}/export", () -> api.post(key, base + "/export", null));
            calls.put("GET /v1/exports/{token}", () -> {
                String url = api.post(key, base + "/export", null).text("/url");
                return api.get(null, url.substring(url.indexOf("/v1/")));
            });
            calls.put("DELETE /v1/namespaces/{ns}", () -> {
                String other = TestProjects.aNamespace();
                p.memory(other, "to erase");
                return api.delete(key, "/v1/namespaces/" + other);
            });
            calls.put("GET /v1/audit/events", () -> api.get(key, "/v1/audit/events?limit=3"));
            calls.put("GET /v1/audit/public-key", () -> api.get(key, "/v1/audit/public-key"));
            calls.put(
                    "POST /mcp",
                    () -> api.send(
                            "POST",
                            "/mcp",
                            key,
                            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}",
                            Map.of(
                                    "Content-Type",
                                    "application/json",
                                    "Accept",
                                    "application/json, text/event-stream")));
            calls.put("GET /v1/audit/checkpoint", () -> api.get(key, "/v1/audit/checkpoint"));
            calls.put("GET /v1/audit/events/{seq}/proof", () -> api.get(key, "/v1/audit/events/1/proof"));
            calls.put("GET /v1/audit/consistency", () -> api.get(key, "/v1/audit/consistency?from_size=1"));
            calls.put("POST /v1/audit/stream-tokens", () -> api.post(key, "/v1/audit/stream-tokens", null));
            String hook = "{\"url\": \"https://127.0.0.1:9/hook\", \"events\": [\"*\"]}";
            String webhook = api.post(key, "/v1/webhooks", hook).text("/id");
            calls.put("POST /v1/webhooks", () -> api.post(key, "/v1/webhooks", hook));
            calls.put("GET /v1/webhooks", () -> api.get(key, "/v1/webhooks?limit=2"));
            calls.put("GET /v1/webhooks/{id}", () -> api.get(key, "/v1/webhooks/" + webhook));
            calls.put(
                    "GET /v1/webhooks/{id}/deliveries", () -> api.get(key, "/v1/webhooks/" + webhook + "/deliveries"));
            calls.put(
                    "POST /v1/webhooks/{id}/rotate-secret",
                    () -> api.post(key, "/v1/webhooks/" + webhook + "/rotate-secret", "{\"overlap_seconds\": 60}"));
            calls.put(
                    "DELETE /v1/webhooks/{id}",
                    () -> api.delete(
                            key,
                            "/v1/webhooks/"
                                    + api.post(key, "/v1/webhooks", hook).text("/id")));
            TestProject byok = TestProjects.aProject(api);
            String customerKey = java.util.Base64.getEncoder().encodeToString(new byte[32]);
            calls.put("GET /v1/project/encryption-key", () -> api.get(byok.adminKey(), "/v1/project/encryption-key"));
            calls.put(
                    "PUT /v1/project/encryption-key",
                    () -> api.send(
                            "PUT",
                            "/v1/project/encryption-key",
                            byok.adminKey(),
                            "{\"key\": \"" + customerKey + "\"}",
                            Map.of("Content-Type", "application/json")));
            calls.put(
                    "POST /v1/project/encryption-key/rotate",
                    () -> api.post(byok.adminKey(), "/v1/project/encryption-key/rotate", null));
            calls.put(
                    "DELETE /v1/project/encryption-key",
                    () -> api.delete(byok.adminKey(), "/v1/project/encryption-key"));
            calls.put("DELETE /v1/project", () -> api.delete(byok.adminKey(), "/v1/project"));
            accounts(calls);
            return calls;
        }

        /** The account routes: a user signed in with a session, members managed with the project's key. */
        private void accounts(Map<String, Supplier<TestApi.Response>> calls) {
            TestAccounts.Session owner = TestAccounts.member(p, "owner");
            TestAccounts.Session other = TestAccounts.login(api, owner.email(), TestAccounts.PASSWORD);
            TestAccounts.Session viewer = TestAccounts.member(p, "viewer");
            TestAccounts.Session leaving = TestAccounts.member(p, "viewer");
            String key = p.adminKey();
            calls.put(
                    "POST /v1/projects/{id}/invites",
                    () -> api.post(
                            IntegrationTest.OPERATOR_TOKEN,
                            "/v1/projects/" + p.id() + "/invites",
                            json("email", TestAccounts.anEmail(), "role", "owner")));
            calls.put(
                    "POST /v1/auth/invites/accept",
                    () -> api.post(
                            null,
                            "/v1/auth/invites/accept",
                            json(
                                    "token",
                                    TestAccounts.invite(p, TestAccounts.anEmail(), "member"),
                                    "password",
                                    TestAccounts.PASSWORD)));
            calls.put(
                    "POST /v1/auth/login",
                    () -> api.post(
                            null, "/v1/auth/login", json("email", owner.email(), "password", TestAccounts.PASSWORD)));
            calls.put("GET /v1/auth/session", () -> owner.bare().get(null, "/v1/auth/session"));
            calls.put("GET /v1/auth/sessions", () -> owner.bare().get(null, "/v1/auth/sessions"));
            calls.put("DELETE /v1/auth/sessions/{id}", () -> owner.in(p.id())
                    .delete(null, "/v1/auth/sessions/" + other.sessionId()));
            calls.put("GET /v1/members", () -> api.get(key, "/v1/members"));
            calls.put(
                    "POST /v1/members",
                    () -> api.post(key, "/v1/members", json("email", TestAccounts.anEmail(), "role", "viewer")));
            calls.put(
                    "PATCH /v1/members/{id}",
                    () -> api.patch(key, "/v1/members/" + viewer.userId(), json("role", "member")));
            calls.put(
                    "DELETE /v1/members/{id}/sessions",
                    () -> api.delete(key, "/v1/members/" + viewer.userId() + "/sessions"));
            calls.put("DELETE /v1/members/{id}", () -> api.delete(key, "/v1/members/" + leaving.userId()));
            TestAccounts.Session out = TestAccounts.login(api, owner.email(), TestAccounts.PASSWORD);
            calls.put("POST /v1/auth/logout", () -> out.in(p.id()).post(null, "/v1/auth/logout", null));
        }
    }
}
