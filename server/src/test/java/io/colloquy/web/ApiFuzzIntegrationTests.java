package io.colloquy.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.platform.DatabaseEndpoint;
import io.colloquy.platform.TestDatabases;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.engine.SourceOfRandomness;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.MissingNode;

/**
 * Hostile input against every operation of the OpenAPI document: mutated bodies (wrong types, nulls, huge
 * numbers, NUL, lone surrogates, deep nesting, extra fields, not JSON), paths (another project's ids,
 * malformed ids), queries (bad numbers, bad percent-encoding) and headers (bad Idempotency-Key, content
 * types). Whatever arrives: never a 5xx, the contract's error body and headers on every non-2xx, and a
 * 4xx changes nothing in the database. Deterministic: jqwik generators driven by a fixed seed, a fixed
 * number of requests.
 */
@IntegrationTest
class ApiFuzzIntegrationTests {
    private static final long SEED = 20261128L;
    private static final int REQUESTS_PER_OPERATION = 8;

    @LocalServerPort
    int port;

    @Autowired
    DatabaseEndpoint db;

    @Test
    void hostileInputNeverGets5xxAnUnshapedErrorOrAPartialWrite() throws SQLException {
        TestApi api = new TestApi(port);
        Fixtures f = new Fixtures(api);
        JsonNode doc = api.get(null, "/v1/openapi.json").json();
        Random random = new Random(SEED);
        SourceOfRandomness.create(String.valueOf(SEED));
        Set<String> failures = new LinkedHashSet<>();
        try (Connection sql = TestDatabases.superuser(db)) {
            State state = new State(sql, List.of(f.a.id(), f.b.id(), f.c.id()));
            Map<String, String> untouched = state.snapshot();
            f.a.memory(f.ns, "a write the state must see");
            assertThat(state.snapshot()).as("the state sees a write").isNotEqualTo(untouched);
            for (var path : sortedFields(doc.get("paths")).entrySet()) {
                for (var op : sortedFields(path.getValue()).entrySet()) {
                    String method = op.getKey().toUpperCase(Locale.ROOT);
                    for (int i = 0; i < REQUESTS_PER_OPERATION; i++) {
                        Request request = f.hostile(method, path.getKey(), op.getValue(), random);
                        Map<String, String> before = state.snapshot();
                        TestApi.Response r = send(api, request);
                        failures.addAll(check(request, r, before, state));
                    }
                }
            }
        }
        assertThat(failures).as("%d failures", failures.size()).isEmpty();
    }

    /** Through the plain client, or over a raw socket for what it refuses to send (bad percent-encoding). */
    private TestApi.Response send(TestApi api, Request request) {
        try {
            return api.send(request.method, request.path, request.token, request.body, request.headers);
        } catch (IllegalArgumentException refusedByClient) {
            return raw(request);
        }
    }

    private TestApi.Response raw(Request request) {
        byte[] body = request.body == null ? new byte[0] : request.body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(request.method + " " + request.path + " HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:")
                .append(port)
                .append("\r\nConnection: close\r\n");
        if (request.token != null) {
            head.append("Authorization: Bearer ").append(request.token).append("\r\n");
        }
        request.headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.UTF_8));
            out.write(body);
            out.flush();
            byte[] response = socket.getInputStream().readAllBytes();
            int end = indexOf(response, CRLF_CRLF, 0);
            String[] lines = new String(response, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.computeIfAbsent(lines[i].substring(0, colon).trim(), k -> new ArrayList<>())
                        .add(lines[i].substring(colon + 1).trim());
            }
            byte[] content = java.util.Arrays.copyOfRange(response, end + 4, response.length);
            if (headers.getOrDefault("Transfer-Encoding", List.of()).contains("chunked")) {
                content = dechunk(content);
            }
            String text = new String(content, StandardCharsets.UTF_8);
            JsonNode json;
            try {
                json = text.isEmpty() ? MissingNode.getInstance() : TestApi.JSON.readTree(text);
            } catch (RuntimeException notJson) {
                json = MissingNode.getInstance();
            }
            return new TestApi.Response(
                    Integer.parseInt(lines[0].split(" ")[1]), HttpHeaders.of(headers, (k, v) -> true), text, json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final byte[] CRLF_CRLF = {'\r', '\n', '\r', '\n'};
    private static final byte[] CRLF = {'\r', '\n'};

    private static byte[] dechunk(byte[] chunked) {
        var out = new java.io.ByteArrayOutputStream();
        int at = 0;
        while (true) {
            int lineEnd = indexOf(chunked, CRLF, at);
            int size = Integer.parseInt(new String(chunked, at, lineEnd - at, StandardCharsets.ISO_8859_1).trim(), 16);
            if (size == 0) {
                return out.toByteArray();
            }
            out.write(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }

    private static int indexOf(byte[] bytes, byte[] target, int from) {
        for (int i = from; i <= bytes.length - target.length; i++) {
            if (java.util.Arrays.equals(bytes, i, i + target.length, target, 0, target.length)) {
                return i;
            }
        }
        throw new IllegalStateException("malformed HTTP response");
    }

    private static List<String> check(Request request, TestApi.Response r, Map<String, String> before, State state)
            throws SQLException {
        List<String> failures = new ArrayList<>();
        String what = request.method + " " + request.template + " [" + request.mutation + "] -> " + r.status();
        if (r.status() >= 500) {
            failures.add(what + " " + r.body());
        }
        if (r.status() >= 300 && r.status() != 304) {
            JsonNode error = r.json().path("error");
            for (String field : List.of("code", "message", "type", "request_id")) {
                if (!error.path(field).isString()) {
                    failures.add(what + ": error body without " + field + ": " + abbreviate(r.body()));
                    break;
                }
            }
            for (String header :
                    List.of("X-Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")) {
                if (r.header(header) == null) {
                    failures.add(what + ": no " + header);
                }
            }
            if (r.header("X-Request-Id") != null
                    && error.path("request_id").isString()
                    && !r.header("X-Request-Id").equals(error.path("request_id").asString())) {
                failures.add(what + ": request_id differs from X-Request-Id");
            }
        }
        if (r.status() >= 400 && r.status() < 500) {
            Map<String, String> after = state.snapshot();
            if (!after.equals(before)) {
                failures.add(what + ": a refused request changed " + state.diff(before, after));
            }
        }
        return failures;
    }

    private static String abbreviate(String s) {
        return s.length() > 160 ? s.substring(0, 160) + "..." : s;
    }

    private static Map<String, JsonNode> sortedFields(JsonNode node) {
        Map<String, JsonNode> fields = new TreeMap<>();
        node.properties().forEach(e -> fields.put(e.getKey(), e.getValue()));
        return fields;
    }

    record Request(
            String method,
            String template,
            String path,
            String token,
            String body,
            Map<String, String> headers,
            String mutation) {}

    /** The projects the fuzzing acts on: A (the target), B (its ids are another project's), C (sacrificial). */
    private static final class Fixtures {
        final TestProject a;
        final TestProject b;
        final TestProject c;
        final String ns = TestProjects.aNamespace();
        final Map<String, String> valid = new LinkedHashMap<>();
        final Map<String, String> foreign = new LinkedHashMap<>();
        final String readKeyId;

        Fixtures(TestApi api) {
            a = TestProjects.aProject(api);
            b = TestProjects.aProject(api);
            c = TestProjects.aProject(api);
            // a DELETE /v1/project that gets through must not end the run: A is protected
            assertThat(api.patch(a.adminKey(), "/v1/project", "{\"delete_protection\": true}")
                            .status())
                    .isEqualTo(200);
            String dialogue = a.dialogue(ns);
            valid.put("ns", ns);
            valid.put("id", dialogue);
            valid.put("mid", a.message(ns, dialogue, "fuzz"));
            valid.put("memory", a.memory(ns, "fuzz memory"));
            valid.put("seq", "1");
            valid.put("token", "not-a-token");
            String other = b.dialogue(ns);
            foreign.put("id", other);
            foreign.put("mid", b.message(ns, other, "other"));
            foreign.put("memory", b.memory(ns, "other memory"));
            foreign.put("project", b.id());
            readKeyId = api.post(a.adminKey(), "/v1/keys", "{\"capabilities\": [\"read\"]}")
                    .text("/id");
            foreign.put(
                    "key",
                    api.post(b.adminKey(), "/v1/keys", "{\"capabilities\": [\"read\"]}")
                            .text("/id"));
        }

        Request hostile(String method, String template, JsonNode op, Random random) {
            String token = template.startsWith("/v1/projects")
                    ? IntegrationTest.OPERATOR_TOKEN
                    : template.startsWith("/v1/project/encryption-key")
                                    || template.equals("/v1/project") && method.equals("DELETE")
                            ? c.adminKey()
                            : a.adminKey();
            Map<String, String> values = new LinkedHashMap<>(valid);
            if (template.startsWith("/v1/namespaces/{ns}/memories")) {
                values.put("id", valid.get("memory"));
            }
            if (template.startsWith("/v1/keys")) {
                values.put("id", readKeyId);
            }
            if (template.startsWith("/v1/projects")) {
                values.put("id", a.id());
            }
            Map<String, String> headers = new LinkedHashMap<>();
            String body = op.has("requestBody") ? validBody(template) : null;
            if (body != null) {
                headers.put("Content-Type", "application/json");
            }
            String query = "";
            String mutation;
            switch (random.nextInt(4)) {
                case 0 -> {
                    List<String> params = pathParams(template);
                    if (params.isEmpty()) {
                        mutation = "no path param";
                    } else {
                        String param = params.get(random.nextInt(params.size()));
                        String value = pick(pathValues(param, values), random);
                        values.put(param, value);
                        mutation = "path " + param + "=" + abbreviate(value);
                    }
                }
                case 1 -> {
                    List<String> params = queryParams(op);
                    String param = params.isEmpty() ? "limit" : params.get(random.nextInt(params.size()));
                    String value = pick(BAD_QUERY_VALUES, random);
                    query = "?" + param + "=" + value;
                    mutation = "query " + param + "=" + abbreviate(value);
                }
                case 2 -> {
                    String mutated = pick(bodies(body == null ? "{}" : body, random), random);
                    body = mutated;
                    headers.put("Content-Type", "application/json");
                    mutation = "body " + abbreviate(mutated);
                }
                default -> {
                    Map.Entry<String, String> header = pick(BAD_HEADERS, random);
                    if (header.getValue() == null) {
                        headers.remove(header.getKey());
                    } else {
                        headers.put(header.getKey(), header.getValue());
                    }
                    if (body == null && header.getKey().equals("Content-Type")) {
                        body = "{}";
                    }
                    mutation = "header " + header.getKey() + "=" + abbreviate(String.valueOf(header.getValue()));
                }
            }
            String path = template;
            for (var e : values.entrySet()) {
                path = path.replace("{" + e.getKey() + "}", e.getValue());
            }
            return new Request(method, template, path + query, token, body, headers, mutation);
        }

        private List<String> pathValues(String param, Map<String, String> values) {
            List<String> out = new ArrayList<>(List.of(
                    "x",
                    "dlg_",
                    "dlg_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
                    "msg_00000000000000000000000000000000",
                    "%00",
                    "%ZZ",
                    "%C0%AF",
                    "%F0%9F%92%A9",
                    "..%2F..%2Fetc",
                    "a".repeat(300),
                    "-1",
                    "99999999999999999999999",
                    "%ED%A0%80"));
            switch (param) {
                case "ns" -> out.addAll(List.of("bad%20ns", "%2F", "ns%00x", "n".repeat(129)));
                case "id" -> {
                    out.add(foreign.get("id"));
                    out.add(foreign.get("memory"));
                    out.add(foreign.get("key"));
                    out.add(foreign.get("project"));
                }
                case "mid" -> out.add(foreign.get("mid"));
                case "seq" -> out.addAll(List.of("0", "1.5", "9223372036854775808"));
                default -> {}
            }
            return out;
        }

        private String validBody(String template) {
            return switch (template) {
                case "/v1/projects" -> "{\"name\": \"fuzz\"}";
                case "/v1/projects/{id}" -> "{\"plan\": \"unlimited\"}";
                case "/v1/project" -> "{\"name\": \"fuzzed\"}";
                case "/v1/project/encryption-key" -> "{\"key\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}";
                case "/v1/keys" -> "{\"name\": \"k\", \"capabilities\": [\"read\"]}";
                case "/v1/namespaces/{ns}/dialogues" -> "{\"title\": \"t\", \"tags\": [\"a\"]}";
                case "/v1/namespaces/{ns}/dialogues/{id}" -> "{\"title\": \"t2\"}";
                case "/v1/namespaces/{ns}/dialogues/{id}/messages" -> "{\"role\": \"user\", \"content\": \"c\"}";
                case "/v1/namespaces/{ns}/memories" -> "{\"kind\": \"long_term\", \"content\": \"m\"}";
                case "/v1/namespaces/{ns}/memories/{id}" -> "{\"content\": \"m2\"}";
                default -> "{}";
            };
        }
    }

    private static final List<String> BAD_QUERY_VALUES = List.of(
            "-1",
            "0",
            "abc",
            "1.5",
            "1e3",
            "99999999999999999999999",
            "%ZZ",
            "%",
            "%E0%A4%A",
            "%00",
            "%ED%A0%80",
            "",
            "+",
            "%2B1",
            "x".repeat(5000),
            "NaN",
            "0x10",
            "9223372036854775808");

    private static final List<Map.Entry<String, String>> BAD_HEADERS = List.of(
            Map.entry("Idempotency-Key", ""),
            Map.entry("Idempotency-Key", "k".repeat(256)),
            Map.entry("Idempotency-Key", "k".repeat(10_000)),
            Map.entry("Idempotency-Key", "\u00e9t\u00e9"),
            Map.entry("Content-Type", "text/plain"),
            Map.entry("Content-Type", "application/xml"),
            Map.entry("Content-Type", "application/json; charset=latin1"),
            Map.entry("Content-Type", "application/json; charset=nonsense"),
            Map.entry("Content-Type", "x/y/z"),
            Map.entry("Content-Type", "multipart/form-data; boundary=x"),
            Map.entry("Accept", "application/xml"),
            Map.entry("Accept", "text/html;q=nonsense"),
            Map.entry("X-Request-Id", "r".repeat(1000)),
            Map.entry("Authorization", "Bearer cq_key_x_y"),
            Map.entry("Authorization", "Basic Zm9vOmJhcg=="));

    /** Mutations of a valid JSON body: jqwik generators, sampled with the test's seeded Random. */
    private static List<String> bodies(String valid, Random random) {
        JsonNode tree = TestApi.JSON.readTree(valid);
        List<String> fields = new ArrayList<>(tree.propertyNames());
        Arbitrary<String> field = fields.isEmpty()
                ? Arbitraries.of("name", "content", "title", "plan", "capabilities")
                : Arbitraries.of(fields);
        Arbitrary<String> hostileValue = Arbitraries.of(
                "null",
                "1",
                "-1",
                "1.5",
                "true",
                "[]",
                "{}",
                "\"\"",
                "[null]",
                "{\"a\":null}",
                "1e400",
                "-1e400",
                "123456789012345678901234567890",
                "9223372036854775808",
                "\"\\u0000\"",
                "\"a\\u0000b\"",
                "\"\\ud800\"",
                "\"\\udc00x\"",
                "\"\\ud83d\"",
                "\"" + "x".repeat(40_000) + "\"",
                "[" + "1,".repeat(2000) + "1]");
        Arbitrary<String> wrongValue = Combinators.combine(field, hostileValue).as((f, v) -> replaceField(tree, f, v));
        Arbitrary<String> extraField = Arbitraries.strings()
                .ofMinLength(0)
                .ofMaxLength(12)
                .map(name ->
                        valid.replaceFirst("\\{", "{" + TestApi.JSON.writeValueAsString(name) + ": {\"x\": [1]}, "));
        Arbitrary<String> deep = Arbitraries.integers()
                .between(500, 5000)
                .map(depth -> "{\"metadata\": " + "[".repeat(depth) + "]".repeat(depth) + "}");
        Arbitrary<String> broken = Arbitraries.of(
                "",
                "null",
                "[]",
                "\"text\"",
                "42",
                "{",
                "{\"a\":",
                valid + "x",
                valid + valid,
                "{\"name\": \"a\", \"name\": \"b\"}",
                "\u0000",
                "{\"a\":\"\\x\"}",
                "\uFEFF" + valid,
                "{\"content\": \"\\ud800\\ud800\"}",
                "not json at all");
        Arbitrary<String> any = Arbitraries.oneOf(wrongValue, extraField, deep, broken);
        return generate(any, random);
    }

    private static List<String> generate(Arbitrary<String> arbitrary, Random random) {
        // jqwik samples from this thread's source of randomness, seeded at the start of the test
        return arbitrary.sampleStream().limit(4).toList();
    }

    private static String replaceField(JsonNode tree, String field, String rawValue) {
        StringBuilder json = new StringBuilder("{");
        boolean replaced = false;
        for (var e : tree.properties()) {
            if (json.length() > 1) {
                json.append(',');
            }
            json.append(TestApi.JSON.writeValueAsString(e.getKey())).append(':');
            if (e.getKey().equals(field)) {
                json.append(rawValue);
                replaced = true;
            } else {
                json.append(e.getValue().toString());
            }
        }
        if (!replaced) {
            if (json.length() > 1) {
                json.append(',');
            }
            json.append(TestApi.JSON.writeValueAsString(field)).append(':').append(rawValue);
        }
        return json.append('}').toString();
    }

    private static List<String> pathParams(String template) {
        List<String> params = new ArrayList<>();
        var m = java.util.regex.Pattern.compile("\\{([a-z_]+)}").matcher(template);
        while (m.find()) {
            params.add(m.group(1));
        }
        return params;
    }

    private static List<String> queryParams(JsonNode op) {
        List<String> params = new ArrayList<>();
        op.path("parameters").forEach(p -> {
            if (p.path("in").asString().equals("query")) {
                params.add(p.path("name").asString());
            }
        });
        return params;
    }

    private static <T> T pick(List<T> values, Random random) {
        return values.get(random.nextInt(values.size()));
    }

    /**
     * What the projects hold, table by table: a digest of every row (but {@code last_used_at}, which reads
     * update) and, for the audit log, the number of distinct events (the sequencer moves them from the
     * outbox to the log after commit, so rows move between tables but the events do not change).
     */
    private static final class State {
        private static final Set<String> AUDIT = Set.of("audit_outbox", "audit_events", "audit_nodes");
        /**
         * Written only by the embedding worker, after commit, from the audit log (the vectors of earlier requests'
         * content and the worker's cursor): never by a request, refused or not.
         */
        private static final Set<String> DERIVED = Set.of("embeddings", "embedding_cursors");

        private final Connection sql;
        private final String query;
        private final List<String> projects;

        State(Connection sql, List<String> projects) throws SQLException {
            this.sql = sql;
            this.projects = projects;
            List<String> tables = new ArrayList<>();
            try (ResultSet r = sql.createStatement()
                    .executeQuery("SELECT c.table_name FROM information_schema.columns c "
                            + "JOIN information_schema.tables t USING (table_schema, table_name) "
                            + "WHERE c.table_schema = 'colloquy' AND c.column_name = 'project_id' "
                            + "AND t.table_type = 'BASE TABLE' ORDER BY 1")) {
                while (r.next()) {
                    tables.add(r.getString(1));
                }
            }
            List<String> parts = new ArrayList<>();
            for (String table : tables) {
                if (!AUDIT.contains(table) && !DERIVED.contains(table)) {
                    parts.add("SELECT '" + table
                            + "' AS t, md5(coalesce(string_agg((to_jsonb(x) - 'last_used_at')::text, "
                            + "',' ORDER BY (to_jsonb(x) - 'last_used_at')::text), '')) AS v FROM colloquy." + table
                            + " x WHERE project_id = ANY (?::uuid[])");
                }
            }
            parts.add("SELECT 'audit events', count(DISTINCT event_id)::text FROM (SELECT event_id FROM "
                    + "colloquy.audit_outbox WHERE project_id = ANY (?::uuid[]) UNION ALL SELECT event_id FROM "
                    + "colloquy.audit_events WHERE project_id = ANY (?::uuid[])) e");
            this.query = String.join(" UNION ALL ", parts);
        }

        Map<String, String> snapshot() throws SQLException {
            Map<String, String> state = new TreeMap<>();
            try (PreparedStatement s = sql.prepareStatement(query)) {
                String[] uuids = projects.stream()
                        .map(id -> TestProjects.uuid(id).toString())
                        .toArray(String[]::new);
                var array = sql.createArrayOf("text", uuids);
                for (int i = 1; i <= s.getParameterMetaData().getParameterCount(); i++) {
                    s.setArray(i, array);
                }
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        state.put(r.getString(1), r.getString(2));
                    }
                }
            }
            return state;
        }

        String diff(Map<String, String> before, Map<String, String> after) {
            List<String> changed = new ArrayList<>();
            after.forEach((k, v) -> {
                if (!v.equals(before.get(k))) {
                    changed.add(k);
                }
            });
            return String.join(", ", changed);
        }
    }
}
