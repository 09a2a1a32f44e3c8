package io.colloquy.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.platform.DatabaseEndpoint;
import io.colloquy.platform.TestDatabases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The database round trips of one request, counted where the driver sends them: every round trip ends with
 * a Sync message, which the PostgreSQL driver logs (at FINEST) on the thread that sends it. The key check
 * and the tenant context are the request transaction's first statement: no lookup of its own before it.
 */
@IntegrationTest
class RequestRoundTripsIntegrationTests {
    private static final Logger DRIVER = Logger.getLogger("org.postgresql.core.v3.QueryExecutorImpl");

    @LocalServerPort
    int port;

    @Autowired
    DatabaseEndpoint db;

    @Test
    void anAppendChecksItsKeyAndSetsItsTenantInTheTransactionsFirstRoundTrip() {
        TestApi api = new TestApi(port);
        TestProject project = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String dialogue = project.dialogue(ns);
        String path = "/v1/namespaces/" + ns + "/dialogues/" + dialogue + "/messages";
        String body = TestApi.json("role", "user", "content", "hello");
        project.message(ns, dialogue, "warm"); // the key has been accepted here once (and its last use touched)

        int append = roundTrips(() -> api.post(project.adminKey(), path, body).status(), 201);
        int read = roundTrips(() -> api.get(project.adminKey(), path).status(), 200);

        // begin_request (key check + tenant), the append's own statements, COMMIT: 5 (before: 6, the key
        // looked up in its own round trip, then set_tenant); a read of the last messages: 4 (before: 5)
        assertThat(append).isLessThanOrEqualTo(5);
        assertThat(read).isLessThanOrEqualTo(4);
    }

    @Test
    void aRefusedKeyCostsOneRoundTripAndRunsNothingElse() {
        TestApi api = new TestApi(port);
        TestProject project = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String wrongSecret = project.adminKey().substring(0, project.adminKey().length() - 4) + "AAAA";

        int refused = roundTrips(
                () -> api.get(wrongSecret, "/v1/namespaces/" + ns + "/dialogues")
                        .status(),
                401);

        // begin_request, then the rollback
        assertThat(refused).isLessThanOrEqualTo(2);
    }

    @Test
    void aKeyRevokedElsewhereIsRefusedOnItsNextWriteThoughThisServerAcceptedItLately() throws SQLException {
        TestApi api = new TestApi(port);
        TestProject project = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String key = project.key("write");
        String dialogue = project.dialogue(ns);
        String path = "/v1/namespaces/" + ns + "/dialogues/" + dialogue + "/messages";
        String body = TestApi.json("role", "user", "content", "hello");
        assertThat(api.post(key, path, body).status()).isEqualTo(201); // accepted here: its next body is read first

        try (Connection c = TestDatabases.superuser(db);
                PreparedStatement revoke = c.prepareStatement("DELETE FROM colloquy.api_keys WHERE key_id = ?")) {
            revoke.setObject(1, TestProjects.uuid("key_" + key.substring(7, 39))); // cq_key_<32 hex>_<secret>
            assertThat(revoke.executeUpdate()).isEqualTo(1); // as another server revoking it would
        }

        TestApi.Response refused = api.post(key, path, body);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.errorCode()).isEqualTo("UNAUTHENTICATED");
        TestApi.Response messages = api.get(project.adminKey(), path);
        assertThat(messages.json().get("data")).hasSize(1);
    }

    /** The Sync messages the server's request threads send while {@code request} runs; checks its status. */
    private static int roundTrips(Supplier<Integer> request, int expectedStatus) {
        AtomicInteger syncs = new AtomicInteger();
        Handler counter = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getMessage() != null
                        && record.getMessage().contains("FE=> Sync")
                        && Thread.currentThread().getName().startsWith("tomcat-handler")) {
                    syncs.incrementAndGet();
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Level before = DRIVER.getLevel();
        counter.setLevel(Level.ALL);
        DRIVER.addHandler(counter);
        DRIVER.setLevel(Level.FINEST);
        try {
            assertThat(request.get()).isEqualTo(expectedStatus);
        } finally {
            DRIVER.setLevel(before);
            DRIVER.removeHandler(counter);
        }
        return syncs.get();
    }
}
