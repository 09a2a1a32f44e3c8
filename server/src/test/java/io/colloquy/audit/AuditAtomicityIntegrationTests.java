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

    // Project deletion removes the project's whole log (issue 6: "every row of the project in every
    // table ... its audit log"; issue 4: "project deletion is the one path that removes a project's
    // log"); the signed deletion receipt with the final tree head is what remains. See
    // GovernanceIntegrationTests.deletingAProjectLeavesNoRowInAnyTableAndKeepsItsReceipt.

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

    @Test
    void theAppRoleCannotWriteTheLogAroundTheSequencerNorResealDataToNothing() throws Exception {
        String d = project.dialogue(TestProjects.aNamespace());
        TestAudit.events(api, project.adminKey(), 3);
        UUID projectId = TestProjects.uuid(project.id());
        try (java.sql.Connection app = io.colloquy.platform.TestDatabases.app(db)) {
            app.setAutoCommit(false);
            String[] refused = {
                "INSERT INTO colloquy.audit_events (project_id, seq, event_id, at, entity_type, entity_id, action,"
                        + " actor_type, actor_id, leaf_hash) VALUES ('" + projectId + "', 4, gen_random_uuid(), now(),"
                        + " 'dialogue', '" + d + "', 'deleted', 'system', 'forger', decode(repeat('00', 32), 'hex'))",
                "INSERT INTO colloquy.audit_nodes (project_id, level, idx, hash) VALUES ('" + projectId
                        + "', 0, 3, decode(repeat('00', 32), 'hex'))",
                "SELECT colloquy.reseal_audit_data('" + projectId + "', 3, NULL)",
                "SELECT colloquy.audit_append('" + projectId + "', ARRAY[1]::bigint[], ARRAY[9]::bigint[],"
                        + " ARRAY[repeat('00', 32)], ARRAY[0], ARRAY[8]::bigint[], ARRAY[repeat('00', 32)])",
            };
            for (String sql : refused) {
                try (java.sql.Statement s = app.createStatement()) {
                    s.execute("SELECT colloquy.set_tenant('" + projectId + "', '*')");
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.execute(sql))
                            .as(sql)
                            .isInstanceOf(java.sql.SQLException.class);
                }
                app.rollback();
            }
        }
        assertThat(TestAudit.all(api, project.adminKey(), "")).hasSize(3);
    }
}
