package io.colloquy.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.platform.DatabaseEndpoint;
import io.colloquy.tenant.TenantTransactions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Crypto failures are typed: a key destroyed on purpose is "gone" (404, INFO), a value or wrapped key
 * that does not open although its key should be there — tampered, or its master key missing — is an
 * integrity error (500 INTERNAL with the request id, ERROR), never reported as shredded or not found.
 */
@IntegrationTest
@ExtendWith(OutputCaptureExtension.class)
class CryptoFailureIntegrationTests {
    @LocalServerPort
    int port;

    @Autowired
    DatabaseEndpoint db;

    @Autowired
    TenantTransactions tenants;

    @Autowired
    StoredValues values;

    @Autowired
    Keyring keyring;

    @Autowired
    LoggingSystem logging;

    TestApi api;
    TestProject project;
    UUID projectId;
    String ns;
    String messages;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
        project = TestProjects.aProject(api);
        projectId = TestProjects.uuid(project.id());
        ns = TestProjects.aNamespace();
        String d = project.dialogue(ns);
        project.message(ns, d, "sealed content");
        messages = "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages";
        assertThat(api.get(project.adminKey(), messages).body()).contains("sealed content");
    }

    @Test
    void aTamperedWrappedDataKeyIsAnIntegrityErrorLoggedAtErrorNeverShredded(CapturedOutput output) throws Exception {
        String tamper = "UPDATE colloquy.data_keys SET wrapped = set_byte(wrapped, 20, get_byte(wrapped, 20) # 1)"
                + " WHERE project_id = ? AND namespace = ? AND purpose = 'data'";
        int logFrom = output.getAll().length();
        withInfoLogs(() -> {
            owner(tamper);
            try {
                keyring.forget(projectId);
                assertInternal(api.get(project.adminKey(), messages));
            } finally {
                owner(tamper); // the same flip again restores the key for whoever iterates every project
                keyring.forget(projectId);
            }
        });
        String logged = output.getAll().substring(logFrom);
        assertThat(lines(logged, "Integrity error"))
                .isNotEmpty()
                .allSatisfy(line -> assertThat(line).contains("ERROR").contains("a wrapped key does not open"));
        assertThat(withoutBackgroundWork(logged)).doesNotContain("shredded");
        assertThat(api.get(project.adminKey(), messages).body()).contains("sealed content");
    }

    @Test
    void aProjectKeyWhoseMasterKeyIsMissingIsAnIntegrityErrorLoggedAtError(CapturedOutput output) throws Exception {
        String kek;
        try (Connection c = owner();
                PreparedStatement s =
                        c.prepareStatement("SELECT kek_id FROM colloquy.project_keys WHERE project_id = ?")) {
            s.setObject(1, projectId);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                kek = r.getString(1);
            }
        }
        String setKek = "UPDATE colloquy.project_keys SET kek_id = ? WHERE project_id = ?";
        int logFrom = output.getAll().length();
        withInfoLogs(() -> {
            owner(setKek, "local-master/00000000deadbeef", projectId);
            try {
                keyring.forget(projectId);
                assertInternal(api.get(project.adminKey(), messages));
            } finally {
                owner(setKek, kek, projectId);
                keyring.forget(projectId);
            }
        });
        String logged = output.getAll().substring(logFrom);
        assertThat(lines(logged, "Integrity error"))
                .isNotEmpty()
                .allSatisfy(line -> assertThat(line).contains("ERROR").contains("missing or wrong master key"));
        assertThat(withoutBackgroundWork(logged)).doesNotContain("shredded");
    }

    @Test
    void aDestroyedDataKeyIsGoneLoggedAtInfoAndAnsweredNotFound(CapturedOutput output) throws Exception {
        byte[] stored;
        UUID messageId;
        try (Connection c = owner();
                PreparedStatement s = c.prepareStatement(
                        "SELECT message_id, content FROM colloquy.messages WHERE project_id = ? AND namespace = ?")) {
            s.setObject(1, projectId);
            s.setString(2, ns);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                messageId = r.getObject(1, UUID.class);
                stored = r.getBytes(2);
            }
        }
        FieldRef ref = new FieldRef(projectId, ns, "messages", messageId, "content");
        int logFrom = output.getAll().length();
        withInfoLogs(() -> {
            owner("DELETE FROM colloquy.data_keys WHERE project_id = ? AND namespace = ?", projectId, ns);
            keyring.forget(projectId);
            assertThatThrownBy(() -> tenants.inProject(projectId, () -> values.open(ref, stored)))
                    .isInstanceOf(KeyGone.class);
            TestApi.Response r = api.get(project.adminKey(), messages);
            assertThat(r.status()).as(r.body()).isEqualTo(404);
            assertThat(r.errorCode()).isEqualTo("NOT_FOUND");
        });
        String logged = output.getAll().substring(logFrom);
        assertThat(lines(logged, "shredded on purpose")).isNotEmpty().allSatisfy(line -> assertThat(line)
                .contains("INFO"));
        assertThat(logged).doesNotContain("Integrity error");
    }

    private static void assertInternal(TestApi.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(500);
        assertThat(r.errorCode()).isEqualTo("INTERNAL");
        assertThat(r.json().at("/error/type").asString()).isEqualTo("api_error");
        assertThat(r.json().at("/error/request_id").asString()).startsWith("req_");
        assertThat(r.body()).doesNotContain("sealed content").doesNotContainIgnoringCase("shred");
    }

    private static List<String> lines(String logged, String containing) {
        return logged.lines().filter(l -> l.contains(containing)).toList();
    }

    private interface Work {
        void run() throws Exception;
    }

    private void withInfoLogs(Work work) throws Exception {
        logging.setLogLevel("io.colloquy", LogLevel.INFO);
        try {
            work.run();
        } finally {
            logging.setLogLevel("io.colloquy", LogLevel.WARN);
        }
    }

    /** Runs one change as the schema owner, in the project's tenant context (RLS is forced, also for the owner). */
    private void owner(String sql, Object... params) throws SQLException {
        try (Connection c = owner();
                PreparedStatement s = c.prepareStatement(sql)) {
            Object[] bound = params.length == 0 ? new Object[] {projectId, ns} : params;
            for (int i = 0; i < bound.length; i++) {
                s.setObject(i + 1, bound[i]);
            }
            assertThat(s.executeUpdate()).isPositive();
            c.commit();
        }
    }

    private Connection owner() throws SQLException {
        Connection c = DriverManager.getConnection(db.jdbcUrl(), db.ownerUser(), db.ownerPassword());
        c.setAutoCommit(false);
        try (PreparedStatement s = c.prepareStatement("SELECT colloquy.set_tenant(?, '*')")) {
            s.setObject(1, projectId);
            s.execute();
        }
        return c;
    }

    /**
     * The log without the embedding worker's lines: it reads other tests' namespaces, erased on purpose, in the
     * background, and rightly logs their values as shredded.
     */
    private static String withoutBackgroundWork(String logged) {
        return logged.lines()
                .filter(line -> !line.contains("mbedding-worker]"))
                .collect(java.util.stream.Collectors.joining("\n"));
    }
}
