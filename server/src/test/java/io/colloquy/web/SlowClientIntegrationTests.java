package io.colloquy.web;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.audit.TestAudit;
import io.colloquy.platform.DatabaseEndpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * Clients that send or read slowly cost a socket and a (virtual) thread, never a pooled database
 * connection nor an open transaction, so they cannot starve other projects: not their requests, not
 * their audit log.
 */
@IntegrationTest
class SlowClientIntegrationTests {
    private static final Duration BYTE_EVERY = Duration.ofSeconds(2);

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Autowired
    DatabaseEndpoint db;

    TestApi api;
    TestProject slow;
    TestProject other;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
        slow = TestProjects.aProject(api);
        other = TestProjects.aProject(api);
    }

    @Test
    void slowBodiesHoldNoConnectionAndEndIn408WhileOtherProjectsAreServed() throws Exception {
        String ns = TestProjects.aNamespace();
        int pool = dataSource.unwrap(HikariDataSource.class).getMaximumPoolSize();
        List<Socket> sockets = new ArrayList<>();
        AtomicBoolean sending = new AtomicBoolean(true);
        try {
            for (int i = 0; i < pool + 8; i++) {
                Socket s = new Socket("127.0.0.1", port);
                s.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
                s.getOutputStream()
                        .write(("POST /v1/namespaces/" + ns + "/dialogues HTTP/1.1\r\nHost: localhost\r\n"
                                        + "Authorization: Bearer " + slow.adminKey() + "\r\n"
                                        + "Content-Type: application/json\r\nContent-Length: 64\r\n\r\n{")
                                .getBytes(StandardCharsets.US_ASCII));
                sockets.add(s);
            }
            Thread trickle = Thread.ofVirtual().start(() -> {
                while (sending.get()) {
                    TestAudit.sleep(BYTE_EVERY.toMillis());
                    for (Socket s : sockets) {
                        try {
                            s.getOutputStream().write(' ');
                        } catch (IOException answeredAndClosed) {
                            // the server has answered this one
                        }
                    }
                }
            });

            // while every slow body is pending, another project is served as usual
            TestApi otherApi = api;
            int maxActive = 0;
            long until = System.nanoTime() + Duration.ofSeconds(6).toNanos();
            int served = 0;
            while (System.nanoTime() < until) {
                long t0 = System.nanoTime();
                TestApi.Response created =
                        otherApi.post(other.adminKey(), "/v1/namespaces/" + ns + "/dialogues", json("title", "served"));
                assertThat(created.status()).as(created.body()).isEqualTo(201);
                assertThat(otherApi.get(other.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + created.text("/id"))
                                .status())
                        .isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
                maxActive = Math.max(
                        maxActive,
                        dataSource
                                .unwrap(HikariDataSource.class)
                                .getHikariPoolMXBean()
                                .getActiveConnections());
                served++;
            }
            assertThat(served).isGreaterThan(5);
            assertThat(maxActive).as("pooled connections in use").isLessThan(8);

            // and each slow body ends with the contract's 408
            for (Socket s : sockets) {
                String response = responseOf(s.getInputStream());
                assertThat(response).startsWith("HTTP/1.1 408");
                assertThat(response).contains("\"code\":\"REQUEST_TIMEOUT\"", "\"type\":\"invalid_request\"");
                assertThat(response).contains("\"request_id\":\"req_");
            }
            sending.set(false);
            trickle.join();
        } finally {
            sending.set(false);
            for (Socket s : sockets) {
                s.close();
            }
        }
        assertThat(api.get(slow.adminKey(), "/v1/namespaces/" + ns + "/dialogues")
                        .json()
                        .get("data"))
                .isEmpty();
    }

    @Test
    void everyPooledSessionHasAStatementAndAnIdleInTransactionTimeout() throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            assertThat(show(s, "statement_timeout")).isEqualTo("15s");
            assertThat(show(s, "idle_in_transaction_session_timeout")).isEqualTo("15s");
        }
    }

    @Test
    void aSlowExportReaderHoldsNoTransactionAndAnotherProjectsEventsStayReadableWithinASecond() throws Exception {
        String ns = TestProjects.aNamespace();
        String d = slow.dialogue(ns);
        String content = "x".repeat(8000);
        StringBuilder batch = new StringBuilder("{\"messages\":[");
        for (int i = 0; i < 100; i++) {
            batch.append(i == 0 ? "" : ",")
                    .append("{\"role\":\"user\",\"content\":\"")
                    .append(content)
                    .append("\"}");
        }
        String body = batch.append("]}").toString();
        int batches = 12; // about 10 MB: more than the kernel buffers both sides of a loopback socket hold
        for (int i = 0; i < batches; i++) {
            TestApi.Response r =
                    api.post(slow.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages", body);
            assertThat(r.status()).as(r.body()).isEqualTo(201);
        }
        String url = api.post(slow.adminKey(), "/v1/namespaces/" + ns + "/export", null)
                .text("/url");

        try (Socket reader = new Socket()) {
            reader.setReceiveBufferSize(4096);
            reader.connect(new InetSocketAddress("127.0.0.1", port));
            reader.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
            reader.getOutputStream()
                    .write(("GET " + url.substring(url.indexOf("/v1/")) + " HTTP/1.0\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            InputStream in = reader.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            byte[] buffer = new byte[1024];
            long stalledUntil = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            int events = 0;
            while (System.nanoTime() < stalledUntil) {
                received.write(buffer, 0, in.read(buffer)); // about 1 KiB per round: the server soon blocks
                assertThat(exportTransactionsOpenOverASecond()).isEmpty();
                String id = api.post(other.adminKey(), "/v1/namespaces/" + ns + "/dialogues", json("title", "live"))
                        .text("/id");
                long written = System.nanoTime(); // committed: the response is sent only after commit
                events++;
                while (!sequenced(id)) {
                    assertThat(Duration.ofNanos(System.nanoTime() - written))
                            .as("another project's event readable while the export reader stalls")
                            .isLessThan(Duration.ofSeconds(1));
                    TestAudit.sleep(20);
                }
            }
            assertThat(events).isGreaterThan(1);
            assertThat(received.size()).isLessThan(1024 * 1024); // the export was still far from done
            in.transferTo(received);
            String response = received.toString(StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 200");
            JsonNode export = TestApi.JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
            assertThat(export.at("/dialogues/0/messages")).hasSize(batches * 100);
            assertThat(export.at("/dialogues/0/messages/1199/content").asString())
                    .isEqualTo(content);
        }
    }

    private boolean sequenced(String dialogueId) {
        for (JsonNode e : TestAudit.all(api, other.adminKey(), "&entity_type=dialogue")) {
            if (dialogueId.equals(e.get("entity_id").asString())) {
                return true;
            }
        }
        return false;
    }

    /** Sessions of the server whose transaction has been open for over a second. */
    /**
     * Sessions holding a transaction open for over a second while running nothing: what an export blocked on a
     * slow reader inside its transaction looks like. (A statement or COMMIT that is merely slow on a loaded
     * machine is not that.)
     */
    private List<String> exportTransactionsOpenOverASecond() throws SQLException {
        List<String> open = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(
                        db.embedded().superuserJdbcUrl(),
                        db.embedded().superuser(),
                        db.embedded().superuserPassword());
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("""
                        SELECT pid, state, query FROM pg_stat_activity
                         WHERE application_name = 'colloquy' AND state = 'idle in transaction'
                           AND xact_start < now() - interval '1 second'""")) {
            while (r.next()) {
                open.add(r.getInt(1) + " " + r.getString(2) + ": " + r.getString(3));
            }
        }
        return open;
    }

    private static String show(Statement s, String setting) throws SQLException {
        try (ResultSet r = s.executeQuery("SHOW " + setting)) {
            r.next();
            return r.getString(1);
        }
    }

    /** A whole HTTP/1.1 response as text, up to the end of its JSON body or the connection. */
    private static String responseOf(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                if (out.toString(StandardCharsets.UTF_8).contains("}}")) {
                    break;
                }
            }
        } catch (SocketTimeoutException e) {
            // what arrived is what we judge
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
