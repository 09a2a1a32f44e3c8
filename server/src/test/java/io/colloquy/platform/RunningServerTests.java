package io.colloquy.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CLI trusts a discovery file only as far as the server behind it proves itself: a stale file (its server gone)
 * or an impostor on its port is not used, and never sees the operator token.
 */
class RunningServerTests {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String TOKEN = "operator-token-of-these-tests-0123456789";

    @TempDir
    Path dataDir;

    private final byte[] proofKey = randomKey();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private HttpServer http;

    @AfterEach
    void stop() {
        if (http != null) {
            http.stop(0);
        }
    }

    @Test
    void findsNoServerWithoutADiscoveryFile() {
        assertThat(RunningServer.find(environment())).isEmpty();
    }

    @Test
    void ignoresTheFileOfAServerThatIsGone() throws Exception {
        serve(challenge ->
                RunningServer.proof(proofKey, challenge, http.getAddress().getPort()));
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        writeDiscovery(gone.pid(), proofKey);

        assertThat(RunningServer.find(environment())).isEmpty();
    }

    @Test
    void refusesAnImpostorOnTheServersPortWithoutSendingItTheToken() throws Exception {
        serve(challenge ->
                RunningServer.proof(randomKey(), challenge, http.getAddress().getPort()));
        writeDiscovery(ProcessHandle.current().pid(), proofKey);

        assertThat(RunningServer.find(environment())).isEmpty();
        assertThat(authorizations).isEmpty();
    }

    @Test
    void refusesAProofMadeForAnotherPort() throws Exception {
        serve(challenge ->
                RunningServer.proof(proofKey, challenge, http.getAddress().getPort() + 1));
        writeDiscovery(ProcessHandle.current().pid(), proofKey);

        assertThat(RunningServer.find(environment())).isEmpty();
    }

    @Test
    void usesTheServerThatProvesItselfAndSendsItTheToken() throws Exception {
        serve(challenge ->
                RunningServer.proof(proofKey, challenge, http.getAddress().getPort()));
        writeDiscovery(ProcessHandle.current().pid(), proofKey);

        RunningServer server = RunningServer.find(environment()).orElseThrow();
        assertThat(authorizations).isEmpty();
        RunningServer.Response response = server.postAsOperator("/v1/projects", "{}");

        assertThat(response.status()).isEqualTo(201);
        assertThat(authorizations).containsExactly("Bearer " + TOKEN);
    }

    private Map<String, String> environment() {
        return Map.of("COLLOQUY_DATA_DIR", dataDir.toString(), "COLLOQUY_OPERATOR_TOKEN", TOKEN);
    }

    /** A loopback HTTP server answering /readyz with the given proof and recording every Authorization header. */
    private void serve(Function<String, String> proof) throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", exchange -> {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization != null) {
                authorizations.add(authorization);
            }
            String challenge = exchange.getRequestHeaders().getFirst(ServerDiscovery.CHALLENGE_HEADER);
            if (challenge != null) {
                exchange.getResponseHeaders().add(ServerDiscovery.PROOF_HEADER, proof.apply(challenge));
            }
            exchange.getRequestBody().readAllBytes();
            boolean created = exchange.getRequestMethod().equals("POST");
            exchange.sendResponseHeaders(created ? 201 : 200, -1);
            exchange.close();
        });
        http.start();
    }

    private void writeDiscovery(long pid, byte[] key) throws IOException {
        Properties p = new Properties();
        p.setProperty("url", "http://127.0.0.1:" + http.getAddress().getPort());
        p.setProperty("pid", Long.toString(pid));
        p.setProperty("proof-key", Base64.getUrlEncoder().withoutPadding().encodeToString(key));
        try (var out = Files.newBufferedWriter(dataDir.resolve(ServerDiscovery.FILE_NAME))) {
            p.store(out, null);
        }
    }

    private static byte[] randomKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return key;
    }
}
