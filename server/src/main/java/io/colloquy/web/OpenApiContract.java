package io.colloquy.web;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.Paths;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.JsonSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.springdoc.core.customizers.OpenApiCustomizer;

/**
 * Completes what springdoc infers from the controllers with what only the contract knows: the error body
 * and its codes on every operation, the headers every response carries, the PATCH bodies (read field by
 * field, so springdoc sees only a JSON tree), the audit WebSocket, the MCP endpoint, and stable operation ids and order (the
 * document is committed as {@code docs/openapi.json} and must not change from one start to the next).
 */
final class OpenApiContract implements OpenApiCustomizer {
    static final String API_KEY = "apiKey";
    static final String OPERATOR_TOKEN = "operatorToken";
    static final String SESSION = "session";

    /** Every error code of the contract by HTTP status, as the error body's {@code code}. */
    static final Map<Integer, List<String>> ERRORS = errors();

    private static final String JSON = "application/json";
    private static final String SCHEMAS = "#/components/schemas/";
    private static final String NAMESPACE_PATTERN = "^[A-Za-z0-9._:-]{1,128}$";
    private static final String DIALOGUE_KEY_PATTERN = "^[A-Za-z0-9._:@~+=-]{1,256}$";
    private static final List<String> RESPONSE_HEADERS =
            List.of("X-Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset");

    private static Map<Integer, List<String>> errors() {
        Map<Integer, List<String>> errors = new LinkedHashMap<>();
        errors.put(400, List.of("VALIDATION_FAILED"));
        errors.put(401, List.of("UNAUTHENTICATED"));
        errors.put(403, List.of("FORBIDDEN", "IP_NOT_ALLOWED"));
        errors.put(404, List.of("NOT_FOUND"));
        errors.put(405, List.of("METHOD_NOT_ALLOWED"));
        errors.put(406, List.of("NOT_ACCEPTABLE"));
        errors.put(408, List.of("REQUEST_TIMEOUT"));
        errors.put(
                409,
                List.of(
                        "IMMUTABLE",
                        "DELETE_PROTECTED",
                        "ENCRYPTION_KEY_REVOKED",
                        "ALREADY_EXISTS",
                        "WEBHOOK_LIMIT_EXCEEDED",
                        "LAST_OWNER"));
        errors.put(412, List.of("PRECONDITION_FAILED"));
        errors.put(413, List.of("PAYLOAD_TOO_LARGE"));
        errors.put(415, List.of("UNSUPPORTED_MEDIA_TYPE"));
        errors.put(422, List.of("IDEMPOTENCY_KEY_REUSED", "INJECTION_DETECTED"));
        errors.put(429, List.of("RATE_LIMIT_EXCEEDED", "PLAN_LIMIT_EXCEEDED"));
        errors.put(500, List.of("INTERNAL"));
        errors.put(503, List.of("SERVICE_UNAVAILABLE"));
        errors.put(505, List.of("HTTP_VERSION_NOT_SUPPORTED"));
        return java.util.Collections.unmodifiableMap(errors);
    }

    @Override
    public void customise(OpenAPI api) {
        var components = api.getComponents();
        errorSchemas().forEach(components::addSchemas);
        changeSchemas().forEach(components::addSchemas);
        for (String name : RESPONSE_HEADERS) {
            components.addHeaders(name, header(name));
        }
        components.addHeaders("Retry-After", header("Retry-After"));
        auditEventData(components.getSchemas());
        for (String name : List.of("MemoryView", "CreateMemory")) { // a memory's value: any JSON
            Schema<?> schema = components.getSchemas().get(name);
            if (schema != null
                    && schema.getProperties() != null
                    && schema.getProperties().containsKey("value")) {
                schema.getProperties().put("value", new JsonSchema().description("any JSON value (null: none)"));
            }
        }
        ERRORS.forEach((status, codes) -> components.addResponses("Error" + status, withHeaders(error(status, codes))));
        components.addResponses("Error", withHeaders(error(null, List.of())));

        Paths paths = api.getPaths();
        // mapped by name only so that the router does not give it to /{id}/messages: the same operation as
        // /by-key/{key}
        paths.remove("/v1/namespaces/{ns}/dialogues/by-key/messages");
        paths.addPathItem("/v1/audit/stream", auditStream());
        paths.forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
            operation.setOperationId(operationId(method, path));
            jsonContent(operation);
            parameters(operation);
            requestBody(method, path, operation);
            special(method, path, operation);
            operation.getResponses().values().forEach(OpenApiContract::withHeaders);
            errorResponses(method, path, operation);
        }));

        paths.addPathItem("/mcp", mcp());

        Paths sorted = new Paths();
        new TreeMap<>(paths).forEach(sorted::addPathItem);
        api.setPaths(sorted);
        components.getSchemas().values().forEach(OpenApiContract::openObjects);
        components.setSchemas(new TreeMap<>(components.getSchemas()));
    }

    /**
     * A free-form object (metadata, a state, event data: {@code type: object} without properties) takes any member:
     * said explicitly, since generators read a bare object as an empty one (TypeScript's {@code Record<string,
     * never>}).
     */
    private static void openObjects(Schema<?> schema) {
        boolean object = "object".equals(schema.getType())
                || (schema.getTypes() != null && schema.getTypes().contains("object"));
        if (object && schema.getProperties() == null && schema.getAdditionalProperties() == null) {
            schema.setAdditionalProperties(true);
        }
        if (schema.getProperties() != null) {
            schema.getProperties().values().forEach(OpenApiContract::openObjects);
        }
    }

    private static Map<String, Schema> errorSchemas() {
        List<String> codes = ERRORS.values().stream().flatMap(List::stream).toList();
        Schema<?> problem = object().addProperty(
                        "field", string().description("the field as the client sent it (snake_case, dotted)"))
                .addProperty("problem", string())
                .required(List.of("field", "problem"));
        Schema<?> detail = object().addProperty("code", enumOf(codes.toArray(String[]::new)))
                .addProperty("message", string().description("for humans; never secrets, content or SQL"))
                .addProperty(
                        "type",
                        enumOf(
                                "invalid_request",
                                "authentication",
                                "authorization",
                                "conflict",
                                "rate_limit",
                                "api_error"))
                .addProperty("request_id", string().description("also the X-Request-Id header"))
                .addProperty(
                        "fields",
                        new JsonSchema()
                                .typesItem("array")
                                .items(ref("FieldProblem"))
                                .description("with VALIDATION_FAILED: every rejected field"))
                .required(List.of("code", "message", "type", "request_id"));
        Schema<?> error = object().addProperty("error", ref("ErrorDetail")).required(List.of("error"));
        Map<String, Schema> schemas = new LinkedHashMap<>();
        schemas.put("Error", error.description("The body of every non-2xx response."));
        schemas.put("ErrorDetail", detail);
        schemas.put("FieldProblem", problem);
        return schemas;
    }

    /** PATCH bodies: an absent field is left unchanged; null clears where the description says so. */
    private static Map<String, Schema> changeSchemas() {
        Map<String, Schema> schemas = new LinkedHashMap<>();
        Schema<?> retention = object().description(
                        "Retention overrides in days; a null field or a null retention means the plan's default.")
                .addProperty("dialogue_days", nullable(integer(1, 36500)))
                .addProperty("short_term_memory_days", nullable(integer(1, 36500)))
                .addProperty("long_term_memory_days", nullable(integer(1, 36500)));
        Schema<?> screening = object().description("Screening settings (docs/screening.md), merged: a field left out "
                        + "stays; a null screening puts both back to their defaults (on_read, null).")
                .addProperty(
                        "pii_redaction",
                        enumOf("on_read", "on_write")
                                .description("on_read (default): stored as sent, redacted by reads with ?redact=pii;"
                                        + " on_write: message and memory content is redacted before it is stored"))
                .addProperty(
                        "injection_reject_threshold",
                        nullable(new JsonSchema()
                                .typesItem("number")
                                .minimum(new BigDecimal("0.001"))
                                .maximum(BigDecimal.ONE)
                                .description("message writes scoring at or above it are refused (null: never)")));
        schemas.put(
                "ProjectChanges",
                object().description("PATCH /v1/project: only the fields sent change.")
                        .addProperty("name", string().minLength(1).maxLength(200))
                        .addProperty("delete_protection", bool())
                        .addProperty(
                                "ip_allowlist",
                                nullable(new JsonSchema()
                                        .typesItem("array")
                                        .items(string().description("IPv4 or IPv6 CIDR or address"))
                                        .maxItems(100)
                                        .description("empty or null = any address")))
                        .addProperty(
                                "confirm",
                                bool().description("true to set an allowlist that excludes the caller's own address"))
                        .addProperty(
                                "retention",
                                new JsonSchema().anyOf(List.of(retention, new JsonSchema().typesItem("null"))))
                        .addProperty("recovery_window_days", integer(0, 3650).description("0 = hard delete at once"))
                        .addProperty(
                                "screening",
                                new JsonSchema().anyOf(List.of(screening, new JsonSchema().typesItem("null"))))
                        .addProperty(
                                "immutable_dialogues",
                                bool().description("fixed at creation: sending a different value is 400"))
                        .addProperty(
                                "plan",
                                string().description(
                                                "the operator's alone (PATCH /v1/projects/{id}): here it is 403")));
        schemas.put(
                "ProjectPlanChange",
                object().description("PATCH /v1/projects/{id} (operator token): the project's plan.")
                        .addProperty("plan", string().minLength(1).maxLength(64).description("a configured plan"))
                        .required(List.of("plan")));
        schemas.put(
                "DialogueChanges",
                object().description(
                                "PATCH a dialogue: only the fields sent change; null clears title, metadata, tags.")
                        .addProperty("title", nullable(string().maxLength(512)))
                        .addProperty("metadata", nullable(object()))
                        .addProperty(
                                "tags",
                                nullable(new JsonSchema()
                                        .typesItem("array")
                                        .items(string().minLength(1).maxLength(64))
                                        .maxItems(32)))
                        .addProperty("legal_hold", bool().description("admin keys only"))
                        .addProperty("status", enumOf("active", "ended", "archived")));
        schemas.put(
                "DialogueStateMergePatch",
                object().description("PATCH a dialogue's state: an RFC 7396 JSON merge patch (null removes a member);"
                        + " the result must be an object of at most 64 KiB as compact JSON."));
        schemas.put(
                "MessageChanges",
                object().description("PATCH a message: only the fields sent change; null clears metadata.")
                        .addProperty("content", string().minLength(1))
                        .addProperty("metadata", nullable(object())));
        schemas.put(
                "MemoryChanges",
                object().description("PATCH a memory: only the fields sent change; null clears metadata, expires_at.")
                        .addProperty("kind", enumOf("short_term", "long_term"))
                        .addProperty("content", string())
                        .addProperty("metadata", nullable(object()))
                        .addProperty("expires_at", nullable(string().format("date-time"))));
        return schemas;
    }

    /** The audit event's {@code data} is raw JSON in the Java record; on the wire it is an object or null. */
    private static void auditEventData(Map<String, Schema> schemas) {
        schemas.values().stream()
                .filter(s -> s.getProperties() != null
                        && s.getProperties().containsKey("leaf_hash")
                        && s.getProperties().containsKey("data"))
                .forEach(s -> s.getProperties().put("data", nullable(object())));
    }

    private static PathItem auditStream() {
        Operation get = new Operation()
                .addTagsItem("audit-stream")
                .summary("Live audit events over a WebSocket")
                .description("A WebSocket upgrade (RFC 6455). Authenticate with an admin key in Authorization, or "
                        + "with ?token= from POST /v1/audit/stream-tokens (60 s, single use). Each text frame is one "
                        + "audit event, the shape of GET /v1/audit/events. after_seq resumes without gap or "
                        + "duplicate; without it only new events are sent. A request that is not an upgrade gets "
                        + "the error body.")
                .addParametersItem(query("token", string(), "single-use stream token"))
                .addParametersItem(query("namespace", string().pattern(NAMESPACE_PATTERN), "only this namespace"))
                .addParametersItem(query("entity_type", string(), "only this entity type"))
                .addParametersItem(query("after_seq", integer(0, null), "resume after this seq"))
                .addParametersItem(new Parameter()
                        .in("header")
                        .name("Upgrade")
                        .required(true)
                        .schema(enumOf("websocket")))
                .addParametersItem(new Parameter()
                        .in("header")
                        .name("Sec-WebSocket-Version")
                        .required(true)
                        .schema(enumOf("13")))
                .addParametersItem(new Parameter()
                        .in("header")
                        .name("Sec-WebSocket-Key")
                        .required(true)
                        .schema(string()))
                .responses(new ApiResponses()
                        .addApiResponse(
                                "101",
                                new ApiResponse()
                                        .description("Switching Protocols: JSON text frames, one audit event each")
                                        .addHeaderObject("Upgrade", new Header().schema(string()))
                                        .addHeaderObject("Sec-WebSocket-Accept", new Header().schema(string()))))
                .security(List.of(new SecurityRequirement().addList(API_KEY), new SecurityRequirement()));
        return new PathItem().get(get);
    }

    /**
     * {@code POST /mcp}: the MCP server (Streamable HTTP, stateless). One JSON-RPC 2.0 message per request, its answer
     * in the response; tool results and tool errors are inside the JSON-RPC result (see docs/mcp.md).
     */
    private static PathItem mcp() {
        Schema<?> id = new JsonSchema().typesItem("string").typesItem("integer").description("absent: a notification");
        Schema<?> message = object().description("One JSON-RPC 2.0 request or notification of the Model Context"
                        + " Protocol: initialize, notifications/initialized, ping, tools/list, tools/call.")
                .addProperty("jsonrpc", enumOf("2.0"))
                .addProperty("id", id)
                .addProperty("method", string())
                .addProperty("params", object())
                .required(List.of("jsonrpc", "method"));
        Schema<?> answer = object().description("The JSON-RPC 2.0 response: result, or error (such as -32601, an"
                        + " unknown method). A refused tool call is a result with isError true whose text content is"
                        + " the contract's error body.")
                .addProperty("jsonrpc", enumOf("2.0"))
                .addProperty("id", id)
                .addProperty("result", object())
                .addProperty(
                        "error",
                        object().addProperty("code", new JsonSchema().typesItem("integer"))
                                .addProperty("message", string())
                                .required(List.of("code", "message")))
                .required(List.of("jsonrpc"));
        ApiResponses responses = new ApiResponses()
                .addApiResponse(
                        "200",
                        new ApiResponse()
                                .description("The JSON-RPC answer to a request")
                                .content(new Content().addMediaType(JSON, new MediaType().schema(answer))))
                .addApiResponse("202", new ApiResponse().description("A notification, accepted; no body"));
        Operation post = new Operation()
                .addTagsItem("mcp")
                .operationId("postMcp")
                .summary("The MCP server: JSON-RPC 2.0 over Streamable HTTP")
                .description("Model Context Protocol tools over dialogues, memories and search (docs/mcp.md). Send"
                        + " Accept: application/json, text/event-stream. Stateless: no session id, no stream (GET and DELETE are 405). Each"
                        + " tool call is one tenant request of the key, in the namespace its arguments name; read"
                        + " tools need read, write tools need write.")
                .requestBody(jsonBody(message))
                .responses(responses)
                .security(List.of(new SecurityRequirement().addList(API_KEY)));
        post.getResponses().values().forEach(OpenApiContract::withHeaders);
        errorResponses(PathItem.HttpMethod.POST, "/mcp", post);
        return new PathItem().post(post);
    }

    private static String operationId(PathItem.HttpMethod method, String path) {
        StringBuilder id = new StringBuilder(method.name().toLowerCase(Locale.ROOT));
        for (String segment : path.substring("/v1/".length()).split("/")) {
            boolean variable = segment.startsWith("{");
            String word = variable ? "By" + capitalize(segment.substring(1, segment.length() - 1)) : segment;
            for (String part : word.split("[-_.]")) {
                id.append(capitalize(part));
            }
        }
        return id.toString();
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** springdoc writes {@code *}/{@code *} for responses; the API answers JSON. */
    private static void jsonContent(Operation operation) {
        for (ApiResponse response : operation.getResponses().values()) {
            Content content = response.getContent();
            if (content != null && content.containsKey("*/*")) {
                MediaType media = content.remove("*/*");
                content.addMediaType(JSON, media);
            }
        }
    }

    /** Query and path values are read as text to answer 400 on bad ones; document what they must hold. */
    private static void parameters(Operation operation) {
        if (operation.getParameters() == null) {
            return;
        }
        if (operation.getParameters().removeIf(p -> p.getName().equals("query") && isObject(p.getSchema()))) {
            // a list's shared filters (ListFilters), read from every query parameter
            operation.addParametersItem(query("created_after", string().format("date-time"), "RFC 3339; exclusive"));
            operation.addParametersItem(query("created_before", string().format("date-time"), "RFC 3339; exclusive"));
            operation.addParametersItem(query("updated_after", string().format("date-time"), "RFC 3339; exclusive"));
            operation.addParametersItem(query("updated_before", string().format("date-time"), "RFC 3339; exclusive"));
            operation.addParametersItem(query(
                    "metadata.<key>",
                    string(),
                    "only items whose metadata has this scalar value at this top-level key (numbers and"
                            + " booleans as JSON writes them; several are ANDed; matched on the keyed blind index)"));
        }
        for (Parameter p : operation.getParameters()) {
            switch (p.getName()) {
                case "status" -> p.schema(enumOf("active", "ended", "archived"));
                case "ns" -> p.schema(string().pattern(NAMESPACE_PATTERN));
                case "key" -> p.schema(string().pattern(DIALOGUE_KEY_PATTERN)).description("the application's own id");
                case "limit" -> p.schema(integer(1, 200).description("default 50"));
                case "after_seq", "from_size", "to_size", "tree_size" -> p.schema(integer(0, null));
                case "seq" -> p.schema(integer(1, null));
                case "cursor" -> p.description("opaque: next_cursor of the previous page");
                case "format" -> p.schema(enumOf("jsonl"));
                case "redact" ->
                    p.schema(enumOf("pii"))
                            .description("pii: content with personal data and secrets replaced by typed placeholders"
                                    + " ([EMAIL_1], [PHONE_1], ...), the same value the same placeholder across the"
                                    + " response (docs/screening.md)");
                case "mode" ->
                    p.schema(enumOf("keyword", "semantic", "hybrid"))
                            .description("default keyword; semantic ranks by embedding similarity, hybrid fuses both"
                                    + " rankings (docs/search.md); semantic and hybrid responses carry pending");
                case "max_injection_score" ->
                    p.schema(new JsonSchema()
                                    .typesItem("number")
                                    .minimum(java.math.BigDecimal.ZERO)
                                    .maximum(java.math.BigDecimal.ONE))
                            .description(
                                    "leave out messages whose prompt-injection score is above it (docs/screening.md);"
                                            + " the response counts them in screened_out");
                case "min_score" ->
                    p.schema(new JsonSchema().typesItem("number"))
                            .description("hits scoring below it are left out (the mode's own score scale)");
                case "max_tokens" -> p.schema(integer(1, 2_000_000).description("default 4096"));
                case "model" ->
                    p.description("model family or encoding whose tokenizer counts tokens: gpt-4o (default), gpt-4.1,"
                            + " o3, gpt-4, gpt-3.5-turbo, o200k_base, cl100k_base, p50k_base, r50k_base");
                case "query" ->
                    p.schema(string().minLength(1).maxLength(1000))
                            .description("what memories are ranked against (default: the last user message)");
                default -> {}
            }
        }
    }

    private static boolean isObject(Schema<?> schema) {
        return schema != null
                && ("object".equals(schema.getType())
                        || (schema.getTypes() != null && schema.getTypes().contains("object")));
    }

    private static void requestBody(PathItem.HttpMethod method, String path, Operation operation) {
        if (method == PathItem.HttpMethod.PATCH) {
            String schema =
                    switch (path) {
                        case "/v1/project" -> "ProjectChanges";
                        case "/v1/projects/{id}" -> "ProjectPlanChange";
                        case "/v1/members/{id}" -> "RoleChange";
                        case "/v1/namespaces/{ns}/dialogues/{id}" -> "DialogueChanges";
                        case "/v1/namespaces/{ns}/memories/{id}" -> "MemoryChanges";
                        case "/v1/namespaces/{ns}/dialogues/{id}/state" -> "DialogueStateMergePatch";
                        case "/v1/namespaces/{ns}/dialogues/{id}/messages/{mid}" -> "MessageChanges";
                        default -> throw new IllegalStateException("no documented body for PATCH " + path);
                    };
            operation.requestBody(jsonBody(ref(schema)));
        }
        RequestBody body = operation.getRequestBody();
        if (body != null && body.getContent() != null) {
            MediaType media = body.getContent().get(JSON);
            if (media != null && media.getSchema() == null) {
                throw new IllegalStateException("no documented body for " + method + " " + path);
            }
        }
        if (method == PathItem.HttpMethod.POST) {
            operation.addParametersItem(new Parameter()
                    .in("header")
                    .name("Idempotency-Key")
                    .description("1 to 255 characters: a retry with the same key and body within 24 h returns "
                            + "the original response (Idempotent-Replayed: true); another body is 422")
                    .schema(string().minLength(1).maxLength(255)));
        }
    }

    private static void special(PathItem.HttpMethod method, String path, Operation operation) {
        switch (method + " " + path) {
            case "POST /v1/projects", "PATCH /v1/projects/{id}", "POST /v1/projects/{id}/invites" ->
                operation.security(List.of(new SecurityRequirement().addList(OPERATOR_TOKEN)));
            case "POST /v1/auth/login", "POST /v1/auth/invites/accept" ->
                operation.security(List.of(new SecurityRequirement()));
            case "GET /v1/auth/session",
                    "POST /v1/auth/logout",
                    "GET /v1/auth/sessions",
                    "DELETE /v1/auth/sessions/{id}" ->
                operation.security(List.of(new SecurityRequirement().addList(SESSION)));
            case "PUT /v1/namespaces/{ns}/dialogues/{id}/state", "PATCH /v1/namespaces/{ns}/dialogues/{id}/state" -> {
                if (method == PathItem.HttpMethod.PUT) {
                    operation.requestBody(jsonBody(
                            object().description("the new state: any JSON object, at most 64 KiB as compact JSON")));
                }
                for (Parameter p : operation.getParameters()) {
                    if ("If-Match".equals(p.getName())) {
                        p.description("\"<state_version>\" (the ETag of a state response): 412 PRECONDITION_FAILED "
                                + "when the state is at another version; without it the last writer wins");
                    }
                }
            }
            case "GET /v1/namespaces/{ns}/dialogues/{id}/messages" ->
                operation
                        .getResponses()
                        .get("200")
                        .addHeaderObject(
                                "Colloquy-Dialogue-Revision",
                                new Header()
                                        .description("the dialogue's revision when this page was read (the "
                                                + "dialogue's `revision`): a client holding the messages up to a seq "
                                                + "at this revision is up to date after reading only the messages "
                                                + "after that seq")
                                        .schema(integer(0, null)));
            case "GET /v1/exports/{token}" -> {
                operation.security(List.of(new SecurityRequirement()));
                operation
                        .getResponses()
                        .addApiResponse(
                                "200",
                                new ApiResponse()
                                        .description("every dialogue, message and memory of the namespace")
                                        .content(new Content().addMediaType(JSON, new MediaType().schema(object()))));
            }
            case "POST /v1/namespaces/{ns}/dialogues/{id}/messages" -> {
                Schema<?> batch = object().addProperty(
                                "data", new JsonSchema().typesItem("array").items(ref("MessageView")))
                        .required(List.of("data"));
                operation.getResponses().remove("200");
                operation
                        .getResponses()
                        .addApiResponse(
                                "201",
                                new ApiResponse()
                                        .description("the message, or {\"data\": [...]} for a batch")
                                        .content(new Content()
                                                .addMediaType(
                                                        JSON,
                                                        new MediaType()
                                                                .schema(new JsonSchema()
                                                                        .anyOf(List.of(ref("MessageView"), batch))))));
            }
            case "PUT /v1/namespaces/{ns}/dialogues/by-key/{key}" -> {
                ApiResponse existing = operation.getResponses().get("200");
                existing.description("the dialogue that already held the key (the body is not used)");
                operation
                        .getResponses()
                        .addApiResponse(
                                "201",
                                new ApiResponse()
                                        .description("created with the body's fields")
                                        .content(existing.getContent()));
            }
            case "GET /v1/audit/events" ->
                operation
                        .getResponses()
                        .get("200")
                        .getContent()
                        .addMediaType(
                                "application/x-ndjson",
                                new MediaType()
                                        .schema(string().description("with format=jsonl: one audit event per line")));
            default -> {}
        }
    }

    private static void errorResponses(PathItem.HttpMethod method, String path, Operation operation) {
        boolean hasBody = operation.getRequestBody() != null;
        ApiResponses responses = operation.getResponses();
        ERRORS.forEach((status, codes) -> {
            boolean applies =
                    switch (status) {
                        case 405 -> false;
                        case 408, 413, 415 -> hasBody;
                        case 422 -> method == PathItem.HttpMethod.POST;
                        case 412 -> path.endsWith("/state") && method != PathItem.HttpMethod.GET;
                        default -> true;
                    };
            if (applies && !responses.containsKey(String.valueOf(status))) {
                responses.addApiResponse(
                        String.valueOf(status), new ApiResponse().$ref("#/components/responses/Error" + status));
            }
        });
        responses.addApiResponse("default", new ApiResponse().$ref("#/components/responses/Error"));
    }

    private static ApiResponse error(Integer status, List<String> codes) {
        ApiResponse response = new ApiResponse()
                .description(status == null ? "any other error" : String.join(", ", codes))
                .content(new Content().addMediaType(JSON, new MediaType().schema(ref("Error"))));
        if (status != null && (status == 429 || status == 503)) {
            response.addHeaderObject("Retry-After", new Header().$ref("#/components/headers/Retry-After"));
        }
        return response;
    }

    private static ApiResponse withHeaders(ApiResponse response) {
        if (response.getHeaders() != null && response.getHeaders().containsKey("Sec-WebSocket-Accept")) {
            return response;
        }
        for (String name : RESPONSE_HEADERS) {
            response.addHeaderObject(name, new Header().$ref("#/components/headers/" + name));
        }
        return response;
    }

    private static Header header(String name) {
        return switch (name) {
            case "X-Request-Id" ->
                new Header().description("req_...: also in the error body").schema(string());
            case "X-RateLimit-Limit" ->
                new Header().description("what the bucket holds").schema(integer(0, null));
            case "X-RateLimit-Remaining" ->
                new Header().description("requests left now").schema(integer(0, null));
            case "X-RateLimit-Reset" ->
                new Header()
                        .description("unix second at which the bucket is full again")
                        .schema(integer(0, null));
            case "Retry-After" ->
                new Header().description("seconds until a retry can succeed").schema(integer(0, null));
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static RequestBody jsonBody(Schema<?> schema) {
        return new RequestBody()
                .required(true)
                .content(new Content().addMediaType(JSON, new MediaType().schema(schema)));
    }

    private static Parameter query(String name, Schema<?> schema, String description) {
        return new Parameter().in("query").name(name).schema(schema).description(description);
    }

    private static Schema<?> enumOf(String... values) {
        return new JsonSchema().typesItem("string")._enum(new ArrayList<Object>(List.of(values)));
    }

    private static Schema<?> nullable(Schema<?> schema) {
        schema.addType("null");
        return schema;
    }

    private static Schema<?> ref(String name) {
        return new JsonSchema().$ref(SCHEMAS + name);
    }

    private static Schema<?> object() {
        return new JsonSchema().typesItem("object");
    }

    private static Schema<?> string() {
        return new JsonSchema().typesItem("string");
    }

    private static Schema<?> bool() {
        return new JsonSchema().typesItem("boolean");
    }

    private static Schema<?> integer(int min, Integer max) {
        Schema<?> s = new JsonSchema().typesItem("integer").minimum(BigDecimal.valueOf(min));
        return max == null ? s : s.maximum(BigDecimal.valueOf(max));
    }
}
