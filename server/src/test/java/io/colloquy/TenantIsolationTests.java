package io.colloquy;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colloquy.TestProjects.TestProject;
import io.colloquy.accounts.TestAccounts;
import io.colloquy.audit.TestAudit;
import io.colloquy.audit.TestStreamClient;
import io.colloquy.platform.DatabaseEndpoint;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * The core invariant, checked against the database itself and through the API: every tenant table is
 * guarded by forced row-level security, the app role cannot get around it, no tenant context means
 * no rows, and no key of another project or path of another namespace reaches anything.
 */
@IntegrationTest
class TenantIsolationTests {
    @LocalServerPort
    int port;

    @Autowired
    DatabaseEndpoint db;

    TestApi api;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
    }

    private Connection owner() throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl(), db.ownerUser(), db.ownerPassword());
    }

    private Connection app() throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl(), db.appUser(), db.appPassword());
    }

    private List<String> tenantTables(Connection c) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("""
                        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE n.nspname = 'colloquy' AND c.relkind IN ('r', 'p')
                           AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'project_id')
                         ORDER BY 1""")) {
            while (r.next()) {
                tables.add(r.getString(1));
            }
        }
        return tables;
    }

    @Test
    void everyTableWithProjectIdHasForcedRowLevelSecurityAndAPolicy() throws SQLException {
        try (Connection c = owner()) {
            List<String> tables = tenantTables(c);
            assertThat(tables)
                    .contains(
                            "projects",
                            "api_keys",
                            "dialogues",
                            "messages",
                            "memories",
                            "idempotency_records",
                            "audit_outbox",
                            "audit_events",
                            "audit_nodes",
                            "audit_stream_tokens");
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("""
                            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                                   (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
                              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                             WHERE n.nspname = 'colloquy' AND c.relname = ANY (ARRAY(
                                 SELECT table_name::text FROM information_schema.columns
                                  WHERE table_schema = 'colloquy' AND column_name = 'project_id'))""")) {
                int checked = 0;
                while (r.next()) {
                    checked++;
                    assertThat(r.getBoolean("relrowsecurity"))
                            .as("RLS enabled on %s", r.getString(1))
                            .isTrue();
                    assertThat(r.getBoolean("relforcerowsecurity"))
                            .as("RLS forced on %s", r.getString(1))
                            .isTrue();
                    assertThat(r.getInt("policies"))
                            .as("policies on %s", r.getString(1))
                            .isPositive();
                }
                assertThat(checked).isEqualTo(tables.size());
            }
        }
    }

    @Test
    void everyPrimaryKeyAndUniqueConstraintStartsWithProjectIdAndForeignKeysCarryIt() throws SQLException {
        try (Connection c = owner();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("""
                        SELECT cl.relname, con.conname, con.contype,
                               (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = con.conrelid AND a.attnum = con.conkey[1]) AS first_column,
                               EXISTS (SELECT 1 FROM unnest(con.conkey) k JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k
                                        WHERE a.attname = 'project_id') AS has_project
                          FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid
                          JOIN pg_namespace n ON n.oid = cl.relnamespace
                         WHERE n.nspname = 'colloquy' AND con.contype IN ('p', 'u', 'f')
                           AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = cl.oid AND a.attname = 'project_id')""")) {
            int checked = 0;
            while (r.next()) {
                checked++;
                String what = r.getString("relname") + "." + r.getString("conname");
                if (r.getString("contype").equals("f")) {
                    assertThat(r.getBoolean("has_project"))
                            .as("foreign key %s includes project_id", what)
                            .isTrue();
                } else {
                    assertThat(r.getString("first_column"))
                            .as("%s starts with project_id", what)
                            .isEqualTo("project_id");
                }
            }
            assertThat(checked).isGreaterThanOrEqualTo(8);
        }
    }

    @Test
    void appRoleIsNeitherOwnerNorSuperuserNorBypassesRls() throws SQLException {
        try (Connection c = app();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("""
                        SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb,
                               EXISTS (SELECT 1 FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace
                                        WHERE n.nspname = 'colloquy' AND pg_get_userbyid(cl.relowner) = current_user) AS owns
                          FROM pg_roles WHERE rolname = current_user""")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getBoolean("rolsuper")).isFalse();
            assertThat(r.getBoolean("rolbypassrls")).isFalse();
            assertThat(r.getBoolean("rolcreaterole")).isFalse();
            assertThat(r.getBoolean("rolcreatedb")).isFalse();
            assertThat(r.getBoolean("owns")).isFalse();
        }
    }

    @Test
    void withoutTenantContextTheAppRoleReadsZeroRowsAndWritesNone() throws SQLException {
        TestProject p = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String d = p.dialogue(ns);
        p.message(ns, d, "secret");
        p.memory(ns, "secret memory");
        try (Connection c = app();
                Statement s = c.createStatement()) {
            for (String table : tenantTables(c)) {
                try (ResultSet r = s.executeQuery("SELECT count(*) FROM colloquy." + table)) {
                    r.next();
                    assertThat(r.getLong(1))
                            .as("rows visible in %s without tenant context", table)
                            .isZero();
                }
            }
            assertThatThrownBy(() -> s.execute("""
                    INSERT INTO colloquy.projects (project_id, name, plan, created_at, updated_at)
                    VALUES (gen_random_uuid(), 'forged', 'free', now(), now())""")).hasMessageContaining("row-level security");
        }
    }

    @Test
    void tenantContextCanBeSetOnlyOncePerTransactionAndIsTransactionLocal() throws SQLException {
        TestProject p = TestProjects.aProject(api);
        try (Connection c = app();
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            java.util.UUID uuid = TestProjects.uuid(p.id());
            s.execute("SELECT colloquy.set_tenant('" + uuid + "', '*')");
            try (ResultSet r = s.executeQuery("SELECT count(*) FROM colloquy.projects")) {
                r.next();
                assertThat(r.getLong(1)).isEqualTo(1);
            }
            assertThatThrownBy(() -> s.execute("SELECT colloquy.set_tenant(gen_random_uuid(), '*')"))
                    .hasMessageContaining("already set");
            c.rollback();
            try (ResultSet r = s.executeQuery("SELECT count(*) FROM colloquy.projects")) {
                r.next();
                assertThat(r.getLong(1))
                        .as("context must not outlive its transaction")
                        .isZero();
            }
            c.rollback();
        }
    }

    /** Every implemented endpoint, tried with another project's key and with another namespace. */
    @Test
    void anotherProjectOrNamespaceSeesNothingAndChangesNothing() {
        TestProject a = TestProjects.aProject(api);
        TestProject b = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String other = TestProjects.aNamespace();
        String d = a.dialogue(ns);
        String m = a.message(ns, d, "only for A");
        String mem = a.memory(ns, "A's memory");
        String thread = TestProjects.thread(api, a, ns, d);
        String named = api.post(
                        a.adminKey(),
                        "/v1/namespaces/" + ns + "/memories",
                        json("id", "mem_a.named", "kind", "long_term", "value", java.util.Map.of("v", "A's memory")))
                .text("/id");
        api.send(
                "PUT",
                "/v1/namespaces/" + ns + "/dialogues/" + d + "/state",
                a.adminKey(),
                json("secret", "only for A"),
                java.util.Map.of("Content-Type", "application/json"));
        String before = snapshot(a, ns, d, m, mem)
                + api.get(a.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + thread)
                        .body()
                + api.get(a.adminKey(), "/v1/namespaces/" + ns + "/memories/" + named)
                        .body();

        String dlg = "/v1/namespaces/" + ns + "/dialogues/" + d;
        String mine = "/v1/namespaces/" + ns + "/memories/" + mem;
        String otherDlg = "/v1/namespaces/" + other + "/dialogues/" + d;
        String otherMem = "/v1/namespaces/" + other + "/memories/" + mem;
        for (var attempt : List.of(new Attempt(b.adminKey(), dlg), new Attempt(a.adminKey(), otherDlg))) {
            String path = attempt.dialoguePath();
            String key = attempt.key();
            assertNotFound(api.get(key, path));
            assertNotFound(api.patch(key, path, json("title", "hijacked")));
            assertNotFound(api.post(key, path + "/messages", json("role", "user", "content", "injected")));
            assertNotFound(api.get(key, path + "/messages"));
            assertNotFound(api.get(key, path + "/messages/" + m));
            assertNotFound(api.delete(key, path + "/messages/" + m));
            assertNotFound(api.patch(key, path + "/messages/" + m, json("content", "hijacked")));
            assertNotFound(api.get(key, path + "/state"));
            assertNotFound(api.send(
                    "PUT", path + "/state", key, json("x", 1), java.util.Map.of("Content-Type", "application/json")));
            assertNotFound(api.patch(key, path + "/state", json("x", 1)));
            assertNotFound(api.get(key, path + "/threads"));
            assertNotFound(api.delete(key, path));
            String parentPath = path.substring(0, path.lastIndexOf('/'));
            assertNotFound(api.post(key, parentPath, json("parent_id", d)));
            assertNotFound(api.get(key, parentPath + "/" + thread));
        }
        for (var attempt : List.of(
                new Attempt(b.adminKey(), mine),
                new Attempt(a.adminKey(), otherMem),
                new Attempt(b.adminKey(), "/v1/namespaces/" + ns + "/memories/" + named),
                new Attempt(a.adminKey(), "/v1/namespaces/" + other + "/memories/" + named))) {
            assertNotFound(api.get(attempt.key(), attempt.dialoguePath()));
            assertNotFound(api.patch(attempt.key(), attempt.dialoguePath(), json("content", "hijacked")));
            assertNotFound(api.delete(attempt.key(), attempt.dialoguePath()));
        }
        assertThat(api.get(b.adminKey(), "/v1/namespaces/" + ns + "/dialogues")
                        .json()
                        .get("data"))
                .isEmpty();
        assertThat(api.get(b.adminKey(), "/v1/namespaces/" + ns + "/memories")
                        .json()
                        .get("data"))
                .isEmpty();
        assertThat(api.get(a.adminKey(), "/v1/namespaces/" + other + "/dialogues")
                        .json()
                        .get("data"))
                .isEmpty();
        assertThat(api.get(a.adminKey(), "/v1/namespaces/" + other + "/memories")
                        .json()
                        .get("data"))
                .isEmpty();
        assertNotFound(api.delete(b.adminKey(), "/v1/keys/" + a.adminKeyId()));
        assertThat(api.get(b.adminKey(), "/v1/keys").body()).doesNotContain(a.adminKeyId());
        String hook = api.post(
                        a.adminKey(), "/v1/webhooks", json("url", "https://127.0.0.1:9/", "events", List.of("*")))
                .text("/id");
        assertNotFound(api.get(b.adminKey(), "/v1/webhooks/" + hook));
        assertNotFound(api.get(b.adminKey(), "/v1/webhooks/" + hook + "/deliveries"));
        assertNotFound(api.post(b.adminKey(), "/v1/webhooks/" + hook + "/rotate-secret", null));
        assertNotFound(api.delete(b.adminKey(), "/v1/webhooks/" + hook));
        assertThat(api.get(b.adminKey(), "/v1/webhooks").body()).doesNotContain(hook);
        assertThat(api.get(a.adminKey(), "/v1/webhooks/" + hook).status()).isEqualTo(200);
        assertThat(api.get(b.adminKey(), "/v1/project").text("/id")).isEqualTo(b.id());
        assertThat(api.patch(b.adminKey(), "/v1/projects/" + a.id(), json("plan", "free"))
                        .status())
                .isEqualTo(403);

        // the MCP tools (POST /mcp): the namespace is an argument, the same 404 as a random id, nothing listed
        for (var attempt : List.of(new Attempt(b.adminKey(), ns), new Attempt(a.adminKey(), other))) {
            String key = attempt.key();
            String namespace = attempt.dialoguePath();
            assertToolNotFound(mcpTool(key, "get_dialogue", java.util.Map.of("namespace", namespace, "id", d)));
            assertToolNotFound(
                    mcpTool(key, "list_recent_messages", java.util.Map.of("namespace", namespace, "dialogue_id", d)));
            assertToolNotFound(mcpTool(
                    key,
                    "append_messages",
                    java.util.Map.of(
                            "namespace",
                            namespace,
                            "dialogue_id",
                            d,
                            "messages",
                            List.of(java.util.Map.of("role", "user", "content", "injected")))));
            assertToolNotFound(mcpTool(key, "forget", java.util.Map.of("namespace", namespace, "id", mem)));
            for (String list : List.of("list_dialogues", "search", "recall")) {
                JsonNode listed = mcpTool(key, list, java.util.Map.of("namespace", namespace, "q", "only A memory"));
                assertThat(listed.at("/result/isError").asBoolean())
                        .as(listed.toString())
                        .isFalse();
                assertThat(TestApi.JSON
                                .readTree(listed.at("/result/content/0/text").asString())
                                .get("data"))
                        .as(list)
                        .isEmpty();
            }
        }

        assertThat(snapshot(a, ns, d, m, mem)
                        + api.get(a.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + thread)
                                .body()
                        + api.get(a.adminKey(), "/v1/namespaces/" + ns + "/memories/" + named)
                                .body())
                .isEqualTo(before);
    }

    /** One MCP tool call as a bare JSON-RPC request to {@code /mcp} (the server keeps no session). */
    private JsonNode mcpTool(String key, String tool, java.util.Map<String, Object> arguments) {
        var call = java.util.Map.of(
                "jsonrpc",
                "2.0",
                "id",
                1,
                "method",
                "tools/call",
                "params",
                java.util.Map.of("name", tool, "arguments", arguments));
        TestApi.Response r = api.send(
                "POST",
                "/mcp",
                key,
                TestApi.JSON.writeValueAsString(call),
                java.util.Map.of("Content-Type", "application/json", "Accept", "application/json, text/event-stream"));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static void assertToolNotFound(JsonNode response) {
        assertThat(response.at("/result/isError").asBoolean())
                .as(response.toString())
                .isTrue();
        JsonNode error =
                TestApi.JSON.readTree(response.at("/result/content/0/text").asString());
        assertThat(error.at("/error/code").asString()).isEqualTo("NOT_FOUND");
        assertThat(error.at("/error/request_id").asString()).startsWith("req_");
        assertThat(error.toString()).doesNotContain("only for A", "A's memory");
    }

    /** A dialogue's client-chosen key: another project or namespace with the same key finds nothing, makes its own. */
    /**
     * The matrix with users' sessions: an owner of project B (acting in B, or naming A, which they do not belong to)
     * and an owner of A in another namespace reach nothing of A's namespace, exactly like a random id.
     */
    @Test
    void aSessionOfAnotherProjectOrNamespaceSeesNothingAndChangesNothing() {
        TestProject a = TestProjects.aProject(api);
        TestProject b = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String other = TestProjects.aNamespace();
        String d = a.dialogue(ns);
        String m = a.message(ns, d, "only for A");
        String mem = a.memory(ns, "A's memory");
        String before = snapshot(a, ns, d, m, mem);
        TestAccounts.Session ownerOfB = TestAccounts.member(b, "owner");
        TestAccounts.Session ownerOfA = TestAccounts.member(a, "owner");

        for (var attempt : List.of(
                new SessionAttempt(ownerOfB.in(b.id()), ns),
                new SessionAttempt(ownerOfB.in(a.id()), ns),
                new SessionAttempt(ownerOfA.in(a.id()), other))) {
            TestApi as = attempt.api();
            String path = "/v1/namespaces/" + attempt.ns() + "/dialogues/" + d;
            String memory = "/v1/namespaces/" + attempt.ns() + "/memories/" + mem;
            assertNotFound(as.get(null, path));
            assertNotFound(as.patch(null, path, json("title", "hijacked")));
            assertNotFound(as.post(null, path + "/messages", json("role", "user", "content", "injected")));
            assertNotFound(as.get(null, path + "/messages"));
            assertNotFound(as.get(null, path + "/messages/" + m));
            assertNotFound(as.delete(null, path + "/messages/" + m));
            assertNotFound(as.get(null, path + "/state"));
            assertNotFound(as.get(null, path + "/threads"));
            assertNotFound(as.delete(null, path));
            assertNotFound(as.get(null, memory));
            assertNotFound(as.patch(null, memory, json("content", "hijacked")));
            assertNotFound(as.delete(null, memory));
        }
        assertThat(ownerOfB.in(b.id())
                        .get(null, "/v1/namespaces/" + ns + "/dialogues")
                        .json()
                        .get("data"))
                .isEmpty();
        assertThat(ownerOfB.in(b.id()).get(null, "/v1/members").body()).doesNotContain(ownerOfA.userId());
        assertNotFound(ownerOfB.in(b.id()).patch(null, "/v1/members/" + ownerOfA.userId(), json("role", "viewer")));
        assertNotFound(ownerOfB.in(b.id()).delete(null, "/v1/members/" + ownerOfA.userId()));
        assertNotFound(ownerOfB.in(b.id()).delete(null, "/v1/members/" + ownerOfA.userId() + "/sessions"));
        assertNotFound(ownerOfB.in(a.id()).get(null, "/v1/members"));
        assertNotFound(ownerOfB.in(a.id()).delete(null, "/v1/project"));
        assertThat(ownerOfB.bare().get(null, "/v1/auth/sessions").body()).doesNotContain(ownerOfA.sessionId());
        assertNotFound(ownerOfB.in(b.id()).delete(null, "/v1/auth/sessions/" + ownerOfA.sessionId()));
        assertThat(ownerOfA.bare().get(null, "/v1/auth/session").status()).isEqualTo(200);
        assertThat(snapshot(a, ns, d, m, mem)).isEqualTo(before);
    }

    private record SessionAttempt(TestApi api, String ns) {}

    @Test
    void anotherProjectOrNamespaceNeverFindsADialogueByItsKeyAndGetsItsOwn() {
        TestProject a = TestProjects.aProject(api);
        TestProject b = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String other = TestProjects.aNamespace();
        String byKey = "/v1/namespaces/" + ns + "/dialogues/by-key/shared-key";
        String otherByKey = "/v1/namespaces/" + other + "/dialogues/by-key/shared-key";
        String mine =
                api.send("PUT", byKey, a.adminKey(), null, java.util.Map.of()).text("/id");
        for (var attempt : List.of(new Attempt(b.adminKey(), byKey), new Attempt(a.adminKey(), otherByKey))) {
            assertNotFound(api.get(attempt.key(), attempt.dialoguePath()));
            TestApi.Response own = api.send("PUT", attempt.dialoguePath(), attempt.key(), null, java.util.Map.of());
            assertThat(own.status()).as(own.body()).isEqualTo(201);
            assertThat(own.text("/id")).isNotEqualTo(mine);
            assertThat(api.get(attempt.key(), attempt.dialoguePath()).text("/id"))
                    .isEqualTo(own.text("/id"));
        }
        assertThat(api.get(a.adminKey(), byKey).text("/id")).isEqualTo(mine);
        assertThat(api.post(b.adminKey(), "/v1/namespaces/" + ns + "/dialogues", json("key", "only-a"))
                        .status())
                .isEqualTo(201);
    }

    /**
     * Issue 14: semantic and hybrid search, the context endpoint and the grounding check never reach another
     * project's or namespace's vectors, memories or messages (404 like a random id where an id is named).
     */
    @Test
    void anotherProjectOrNamespaceNeverSeesVectorsContextOrGrounding() {
        TestProject a = TestProjects.aProject(api);
        TestProject b = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String other = TestProjects.aNamespace();
        String fact = "The orange submarine docks at pier seven every Tuesday night.";
        String mem = a.memory(ns, fact);
        String d = a.dialogue(ns);
        String m = a.message(ns, d, "only for A: where does the orange submarine dock?");
        io.colloquy.search.TestEmbeddings.awaitEmbedded(api, a.adminKey(), ns);
        String query = "/search?q=orange+submarine+pier";
        assertThat(api.get(a.adminKey(), "/v1/namespaces/" + ns + query + "&mode=semantic")
                        .body())
                .as("A finds its own")
                .contains(mem, m);
        JsonNode own = api.post(a.adminKey(), "/v1/namespaces/" + ns + "/grounding", json("answer", fact))
                .json();
        assertThat(own.get("verdict").asString()).isEqualTo("grounded");

        String randomDialogue = "dlg_0190f1a2b3c47d8e9f00112233445566";
        for (var attempt : List.of(new Attempt(b.adminKey(), ns), new Attempt(a.adminKey(), other))) {
            String base = "/v1/namespaces/" + attempt.dialoguePath();
            for (String mode : List.of("semantic", "hybrid")) {
                TestApi.Response r = api.get(attempt.key(), base + query + "&mode=" + mode);
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                assertThat(r.json().get("data")).isEmpty();
            }
            TestApi.Response context = api.get(attempt.key(), base + "/dialogues/" + d + "/context?query=submarine");
            assertNotFound(context);
            TestApi.Response random =
                    api.get(attempt.key(), base + "/dialogues/" + randomDialogue + "/context?query=submarine");
            assertNotFound(random);
            assertThat(context.json().at("/error/message"))
                    .isEqualTo(random.json().at("/error/message"));
            JsonNode grounding = api.post(attempt.key(), base + "/grounding", json("answer", fact))
                    .json();
            assertThat(grounding.get("verdict").asString()).isEqualTo("blocked");
            assertThat(grounding.get("claims").get(0).get("supporting_memory_ids"))
                    .isEmpty();
            assertThat(grounding.toString()).doesNotContain(mem);
        }
        // a context of B's own dialogue in the same namespace name ranks B's memories only
        String bd = b.dialogue(ns);
        JsonNode bContext = api.get(
                        b.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + bd + "/context?query=submarine")
                .json();
        assertThat(bContext.get("memories")).isEmpty();
        assertThat(bContext.toString()).doesNotContain("orange submarine");
    }

    /** The audit endpoints: another project's key sees only its own log, proofs and stream. */
    @Test
    void anotherProjectNeverSeesAnothersAuditEventsProofsOrStream() {
        TestProject a = TestProjects.aProject(api);
        TestProject b = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String d = a.dialogue(ns);
        for (int i = 0; i < 5; i++) {
            a.message(ns, d, "only for A " + i);
        }
        List<JsonNode> aEvents = TestAudit.events(api, a.adminKey(), 8);
        List<JsonNode> bEvents = TestAudit.events(api, b.adminKey(), 2);
        assertThat(bEvents)
                .hasSize(2)
                .allMatch(e -> e.get("project_id").asString().equals(b.id()));
        String bJsonl = api.get(b.adminKey(), "/v1/audit/events?format=jsonl").body();
        String bList = api.get(b.adminKey(), "/v1/audit/events?after_seq=0&namespace=" + ns)
                .body();
        for (JsonNode e : aEvents) {
            assertThat(bJsonl).doesNotContain(e.get("id").asString());
            assertThat(bList).doesNotContain(e.get("id").asString());
        }
        assertThat(bJsonl).doesNotContain("only for A", a.id());

        JsonNode checkpoint = api.get(b.adminKey(), "/v1/audit/checkpoint").json();
        assertThat(checkpoint.get("tree_size").asLong()).isEqualTo(2);
        assertThat(checkpoint.get("origin").asString()).isEqualTo("colloquy-audit/" + b.id());
        assertNotFound(api.get(b.adminKey(), "/v1/audit/events/5/proof"));
        assertThat(api.get(b.adminKey(), "/v1/audit/consistency?from_size=2&to_size=8")
                        .status())
                .isEqualTo(400);
        assertThat(api.get(b.adminKey(), "/v1/audit/events/1/proof").text("/leaf_hash"))
                .isEqualTo(bEvents.getFirst().get("leaf_hash").asString());

        try (TestStreamClient bStream = TestStreamClient.connect(port, b.adminKey(), "?after_seq=0")) {
            a.message(ns, d, "only for A, live");
            a.memory(ns, "A's live memory");
            TestAudit.events(api, a.adminKey(), 10);
            TestAudit.sleep(300);
            assertThat(bStream.received).map(e -> e.get("seq").asLong()).containsExactly(1L, 2L);
            assertThat(bStream.received)
                    .allMatch(e -> e.get("project_id").asString().equals(b.id()));
        }
        // a token names its project, but only the secret counts: B's secret under A's project is nothing
        String bToken = api.post(b.adminKey(), "/v1/audit/stream-tokens", null).text("/token");
        String forged = "cq_st_" + a.id().substring(4) + bToken.substring(bToken.lastIndexOf('_'));
        assertThatThrownBy(() -> TestStreamClient.connect(port, null, "?token=" + forged))
                .hasStackTraceContaining("401");
        assertThat(api.get(a.key("write"), "/v1/audit/events").status()).isEqualTo(403);
    }

    @Test
    void aPathWithoutTheNamespaceIsNotFound() {
        TestProject a = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String d = a.dialogue(ns);
        assertNotFound(api.get(a.adminKey(), "/v1/dialogues/" + d));
        assertNotFound(api.get(a.adminKey(), "/v1/dialogues"));
        assertNotFound(api.get(a.adminKey(), "/v1/memories"));
        assertNotFound(api.post(a.adminKey(), "/v1/dialogues", "{}"));
    }

    private record Attempt(String key, String dialoguePath) {}

    private String snapshot(TestProject a, String ns, String d, String m, String mem) {
        String base = "/v1/namespaces/" + ns;
        return String.join(
                "\n",
                api.get(a.adminKey(), base + "/dialogues/" + d).body(),
                api.get(a.adminKey(), base + "/dialogues/" + d + "/messages").body(),
                api.get(a.adminKey(), base + "/dialogues/" + d + "/messages/" + m)
                        .body(),
                api.get(a.adminKey(), base + "/memories/" + mem).body(),
                api.get(a.adminKey(), base + "/dialogues/" + d + "/state").body(),
                api.get(a.adminKey(), base + "/dialogues/" + d + "/threads").body(),
                String.valueOf(
                        api.get(a.adminKey(), "/v1/keys").json().get("data").size()));
    }

    private static void assertNotFound(TestApi.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(404);
        assertThat(r.errorCode()).isEqualTo("NOT_FOUND");
        assertThat(r.json().at("/error/type").asString()).isEqualTo("invalid_request");
        assertThat(r.json().at("/error/request_id").asString()).startsWith("req_");
        assertThat(r.body()).doesNotContain("only for A", "A's memory");
    }
}
