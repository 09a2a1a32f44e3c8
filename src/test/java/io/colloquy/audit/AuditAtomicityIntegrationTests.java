package io.colloquy.audit;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.platform.DatabaseEndpoint;
import io.colloquy.platform.TestDatabases;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** No change without its event, no event without its change, and a log nobody can edit in place. */
@IntegrationTest
class AuditAtomicityIntegrationTests {
    @LocalServerPort
    int port;

    @Autowired
    DatabaseEndpoint db;

    TestApi api;
    TestProject project;
    String ns;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
        project = TestProjects.aProject(api);
        ns = TestProjects.aNamespace();
    }

    @Test
    void whenTheEventCannotBeWrittenTheChangeDoesNotHappen() throws SQLException {
        UUID projectId = TestProjects.uuid(project.id());
        String d = project.dialogue(ns);
        try (Connection c = TestDatabases.superuser(db);
                Statement s = c.createStatement()) {
            s.execute("""
                    CREATE FUNCTION colloquy.test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF NEW.project_id = '%s' THEN RAISE EXCEPTION 'the audit log is unavailable'; END IF;
                        RETURN NEW;
                    END $$""".formatted(projectId));
            s.execute("CREATE TRIGGER test_refuse_audit BEFORE INSERT ON colloquy.audit_outbox"
                    + " FOR EACH ROW EXECUTE FUNCTION colloquy.test_refuse_audit()");
            try {
                TestApi.Response created =
                        api.post(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues", json("title", "lost"));
                assertThat(created.status()).isEqualTo(500);
                assertThat(created.errorCode()).isEqualTo("INTERNAL");
                String messages = "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages";
                assertThat(api.post(project.adminKey(), messages, json("role", "user", "content", "lost"))
                                .status())
                        .isEqualTo(500);
                assertThat(api.delete(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d)
                                .status())
                        .isEqualTo(500);
                assertThat(api.post(project.adminKey(), "/v1/keys", json("capabilities", List.of("read")))
                                .status())
                        .isEqualTo(500);

                JsonNode dialogues = api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues")
                        .json()
                        .get("data");
                assertThat(dialogues).hasSize(1);
                assertThat(dialogues.get(0).get("message_count").asInt()).isZero();
                assertThat(api.get(project.adminKey(), messages).json().get("data"))
                        .isEmpty();
                assertThat(api.get(project.adminKey(), "/v1/keys").json().get("data"))
                        .hasSize(1);
            } finally {
                s.execute("DROP TRIGGER test_refuse_audit ON colloquy.audit_outbox");
                s.execute("DROP FUNCTION colloquy.test_refuse_audit()");
            }
        }
        TestAudit.sleep(500);
        assertThat(TestAudit.events(api, project.adminKey(), 3)).hasSize(3);
    }

    @Test
    void deletingAProjectRecordsEveryRemovedRowUnderTheProjectsEvent() throws SQLException {
        UUID projectId = TestProjects.uuid(project.id());
        String d = project.dialogue(ns);
        String m1 = project.message(ns, d, "one");
        String m2 = project.message(ns, d, "two");
        String mem = project.memory(ns, "memory");
        String key = api.post(project.adminKey(), "/v1/keys", json("capabilities", List.of("read")))
                .text("/id");
        TestAudit.events(api, project.adminKey(), 7);
        assertThat(api.delete(project.adminKey(), "/v1/project").status()).isEqualTo(200);

        // The project and its keys are gone, so the log is read here the way an operator would.
        List<String[]> rows = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        try (Connection c = TestDatabases.superuser(db);
                java.sql.PreparedStatement q = c.prepareStatement("""
                        SELECT seq, entity_type, entity_id, action, 'evt_' || replace(event_id::text, '-', ''),
                               'evt_' || replace(parent_id::text, '-', '')
                          FROM colloquy.audit_events WHERE project_id = ? AND seq > 7 ORDER BY seq""")) {
            q.setObject(1, projectId);
            while (rows.size() < 7 && System.nanoTime() < deadline) {
                rows.clear();
                try (java.sql.ResultSet r = q.executeQuery()) {
                    while (r.next()) {
                        rows.add(new String[] {
                            r.getString(2), r.getString(3), r.getString(4), r.getString(5), r.getString(6)
                        });
                    }
                }
                TestAudit.sleep(50);
            }
        }
        assertThat(rows).hasSize(7);
        String[] projectDeleted = rows.getFirst();
        assertThat(projectDeleted).startsWith("project", project.id(), "deleted");
        String dialogueEvent =
                rows.stream().filter(r -> r[0].equals("dialogue")).findFirst().orElseThrow()[3];
        for (String[] r : rows.subList(1, rows.size())) {
            assertThat(r[2]).isEqualTo("deleted");
            String expectedParent = r[0].equals("message") ? dialogueEvent : projectDeleted[3];
            assertThat(r[4]).as("parent of %s", r[1]).isEqualTo(expectedParent);
        }
        assertThat(rows.stream().map(r -> r[1]))
                .containsExactlyInAnyOrder(project.id(), project.adminKeyId(), key, d, m1, m2, mem);
    }

    @Test
    void aRefusedChangeLeavesNoEvent() {
        String d = project.dialogue(ns);
        String dialogue = "/v1/namespaces/" + ns + "/dialogues/" + d;
        assertThat(api.patch(project.adminKey(), dialogue, json("legal_hold", true))
                        .status())
                .isEqualTo(200);
        assertThat(api.delete(project.adminKey(), dialogue).status()).isEqualTo(409);
        assertThat(api.patch(project.adminKey(), dialogue, json("title", "x")).status())
                .isEqualTo(409);
        assertThat(api.delete(project.adminKey(), "/v1/namespaces/" + ns + "/memories/mem_nope")
                        .status())
                .isEqualTo(404);
        TestAudit.sleep(500);
        List<JsonNode> events = TestAudit.events(api, project.adminKey(), 4);
        assertThat(events).hasSize(4);
        assertThat(events.getLast().at("/data/legal_hold").asBoolean()).isTrue();
    }

    @Test
    void theLogIsAppendOnlyForTheAppTheOwnerAndEvenTheSuperuser() throws SQLException {
        TestAudit.events(api, project.adminKey(), 2);
        String where = " WHERE project_id = '" + TestProjects.uuid(project.id()) + "'";
        try (Connection app = TestDatabases.app(db);
                Statement s = app.createStatement()) {
            app.setAutoCommit(false);
            s.execute("SELECT colloquy.set_tenant('" + TestProjects.uuid(project.id()) + "', '*')");
            assertThatThrownBy(() -> s.executeUpdate("UPDATE colloquy.audit_events SET action = 'x'" + where))
                    .hasMessageContaining("permission denied");
            app.rollback();
        }
        String tenant = "SELECT colloquy.set_tenant('" + TestProjects.uuid(project.id()) + "', '*')";
        for (Connection c : List.of(TestDatabases.owner(db), TestDatabases.superuser(db))) {
            try (c;
                    Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                for (String sql : List.of(
                        "UPDATE colloquy.audit_events SET action = 'x'" + where,
                        "DELETE FROM colloquy.audit_events" + where,
                        "UPDATE colloquy.audit_nodes SET idx = idx + 1000000" + where,
                        "DELETE FROM colloquy.audit_nodes" + where,
                        "TRUNCATE colloquy.audit_events",
                        "TRUNCATE colloquy.audit_nodes")) {
                    s.execute(tenant);
                    assertThatThrownBy(() -> s.execute(sql)).as(sql).hasMessageContaining("append-only");
                    c.rollback();
                }
            }
        }
        assertThat(TestAudit.events(api, project.adminKey(), 2)).hasSize(2);
    }
}
