package io.colloquy.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.colloquy.ColloquyApplication;
import io.colloquy.IntegrationTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code COLLOQUY_TLS=self-signed} in a second server (its own Spring context and data dir, sharing
 * the test run's database): the certificate it generates, what a TLS client may and may not
 * negotiate, HSTS, plain HTTP refused on the port, and testssl.sh's verdict on protocols and suites.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsIntegrationTests {
    @Autowired
    DatabaseEndpoint db;

    ConfigurableApplicationContext server;
    Path dataDir;
    int port;
    SSLContext trustingTheServer;

    @BeforeAll
    void startTheTlsServer() throws Exception {
        dataDir = Path.of("target", "tls-it-" + UUID.randomUUID()).toAbsolutePath();
        String url = db.jdbcUrl().replaceAll("[?&]currentSchema=[^&]*", "");
        server = new SpringApplicationBuilder(ColloquyApplication.class)
                .run(
                        "--colloquy.tls.mode=self-signed",
                        "--colloquy.data-dir=" + dataDir,
                        "--colloquy.operator-token=" + IntegrationTest.OPERATOR_TOKEN,
                        "--colloquy.database.url=" + url,
                        "--colloquy.database.sslmode=disable", // the test run's own cluster, on loopback
                        "--colloquy.database.owner-user=" + db.ownerUser(),
                        "--colloquy.database.owner-password=" + db.ownerPassword(),
                        "--colloquy.database.app-user=" + db.appUser(),
                        "--colloquy.database.app-password=" + db.appPassword(),
                        "--colloquy.database.pool-size=4",
                        "--server.port=0",
                        "--management.server.port=0",
                        "--logging.level.io.colloquy=WARN");
        port = ((WebServerApplicationContext) server).getWebServer().getPort();
        trustingTheServer = sslContextTrusting(dataDir.resolve("tls/self-signed.crt"));
    }

    @AfterAll
    void stopTheTlsServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theSelfSignedCertificateIsGeneratedIntoTheDataDirWithAPrivateKey() throws Exception {
        Path key = dataDir.resolve("tls/self-signed.key");
        assertThat(Files.getPosixFilePermissions(key)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(key.getParent()))
                .isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        X509Certificate cert = certificate(dataDir.resolve("tls/self-signed.crt"));
        List<Object> names = cert.getSubjectAlternativeNames().stream()
                .map(n -> (Object) n.get(1))
                .toList();
        assertThat(names).contains("localhost", "127.0.0.1");
        assertThat(Files.list(key.getParent()).map(p -> p.getFileName().toString()))
                .containsExactlyInAnyOrder("self-signed.crt", "self-signed.key");
    }

    @Test
    void theApiAnswersOverTls13And12WithHsts() throws Exception {
        for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
            SSLParameters only = new SSLParameters();
            only.setProtocols(new String[] {protocol});
            HttpClient client = HttpClient.newBuilder()
                    .sslContext(trustingTheServer)
                    .sslParameters(only)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            HttpResponse<String> r = client.send(
                    HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/v1/project"))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(protocol).isEqualTo(401);
            assertThat(r.headers().firstValue("Strict-Transport-Security"))
                    .as(protocol)
                    .hasValue("max-age=31536000 ; includeSubDomains");
            assertThat(r.headers().firstValue("X-RateLimit-Limit")).isPresent();
        }
    }

    @Test
    void olderProtocolsAndNonAeadSuitesAreRefused() throws Exception {
        for (String protocol : List.of("TLSv1.1", "TLSv1")) {
            assertThatThrownBy(() -> handshake(new String[] {protocol}, null))
                    .as(protocol)
                    .isInstanceOf(IOException.class);
        }
        String[] cbc = {
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"
        };
        assertThatThrownBy(() -> handshake(new String[] {"TLSv1.2"}, cbc)).isInstanceOf(SSLHandshakeException.class);
        assertThat(handshake(new String[] {"TLSv1.2"}, null)).matches(".*_(GCM_SHA\\d+|CHACHA20_POLY1305_SHA256)");
    }

    @Test
    void plainHttpToTheTlsPortIsRefused() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer;
            try (InputStream in = socket.getInputStream()) {
                answer = new String(in.readNBytes(4096), StandardCharsets.ISO_8859_1);
            } catch (IOException reset) {
                answer = "";
            }
            // Tomcat answers a bare 400 ("This combination of host and port requires TLS.") or closes
            assertThat(answer).doesNotContain("200").doesNotContain("\"status\"");
            if (!answer.isEmpty()) {
                assertThat(answer).startsWith("HTTP/1.1 400");
            }
        }
        HttpClient plain =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try {
            HttpResponse<String> r = plain.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(400);
        } catch (IOException refused) {
            // as good: nothing was served
        }
    }

    @Test
    void testsslFindsOnlyTls12And13WithAeadSuitesAndHsts() throws Exception {
        String testssl = Testssl.command();
        Path json = dataDir.resolve("testssl.json");
        List<String> command = new ArrayList<>(List.of(
                testssl,
                "--quiet",
                "--color",
                "0",
                "--warnings",
                "off",
                "--nodns",
                "none",
                "--connect-timeout",
                "5",
                "--openssl-timeout",
                "5",
                "--jsonfile",
                json.toString(),
                "--protocols",
                "--std",
                "--each-cipher",
                "--headers",
                "https://127.0.0.1:" + port + "/healthz"));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(dataDir.resolve("testssl.log").toFile())
                .start();
        try {
            assertThat(process.waitFor(5, TimeUnit.MINUTES))
                    .as("testssl.sh finished")
                    .isTrue();
        } finally {
            process.destroyForcibly();
        }
        String log = Files.readString(dataDir.resolve("testssl.log"));
        assertThat(json).as(log).exists();
        Map<String, String> findings = new java.util.LinkedHashMap<>();
        List<String> ciphers = new ArrayList<>();
        for (JsonNode f : JsonMapper.builder().build().readTree(json.toFile())) {
            String id = f.get("id").asString();
            String finding = f.get("finding").asString();
            findings.put(id, finding);
            if (id.startsWith("cipher-") || id.startsWith("cipher_x")) {
                ciphers.add(finding);
            }
        }
        String summary = summary(findings);
        System.out.println("testssl.sh summary:\n" + summary);
        for (String old : List.of("SSLv2", "SSLv3", "TLS1", "TLS1_1")) {
            assertThat(findings.get(old)).as(old + "\n" + summary).startsWith("not offered");
        }
        assertThat(findings.get("TLS1_2")).as(summary).startsWith("offered");
        assertThat(findings.get("TLS1_3")).as(summary).startsWith("offered");
        for (String weak : List.of(
                "cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT", "cipherlist_LOW", "cipherlist_3DES_IDEA")) {
            assertThat(findings.get(weak)).as(weak + "\n" + summary).startsWith("not offered");
        }
        // "Obsolete CBC ciphers": cipherlist_AVERAGE in testssl.sh 3.0, cipherlist_OBSOLETED from 3.2 on
        assertThat(firstOf(findings, "cipherlist_OBSOLETED", "cipherlist_AVERAGE"))
                .as("CBC suites\n" + summary)
                .startsWith("not offered");
        assertThat(firstOf(findings, "cipherlist_STRONG_FS", "cipherlist_STRONG"))
                .as("AEAD suites\n" + summary)
                .startsWith("offered");
        assertThat(ciphers).as("each offered cipher\n" + log).isNotEmpty();
        for (String cipher : ciphers) {
            assertThat(cipher)
                    .as("offered suite")
                    .containsAnyOf("GCM", "CHACHA20", "POLY1305")
                    .doesNotContain("CBC", "RC4", "3DES", "DES-CBC", "NULL", "EXP");
        }
        assertThat(findings.get("HSTS_time")).as(summary).contains("365 days");
    }

    private static String firstOf(Map<String, String> findings, String... ids) {
        for (String id : ids) {
            if (findings.containsKey(id)) {
                return findings.get(id);
            }
        }
        throw new AssertionError("testssl.sh reported none of " + List.of(ids) + ": " + findings.keySet());
    }

    private static String summary(Map<String, String> findings) {
        StringBuilder s = new StringBuilder();
        findings.forEach((id, finding) -> {
            if (id.matches(
                    "SSLv2|SSLv3|TLS1|TLS1_1|TLS1_2|TLS1_3|cipherlist_.*|HSTS.*|cipher_order.*|cipher-.*|cipher_x.*")) {
                s.append("  ").append(id).append(": ").append(finding).append('\n');
            }
        });
        return s.toString();
    }

    private String handshake(String[] protocols, String[] suites) throws IOException {
        try (SSLSocket socket = (SSLSocket) trustingTheServer.getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            socket.setEnabledProtocols(protocols);
            if (suites != null) {
                socket.setEnabledCipherSuites(suites);
            }
            socket.startHandshake();
            return socket.getSession().getCipherSuite();
        }
    }

    private static X509Certificate certificate(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static SSLContext sslContextTrusting(Path pem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("colloquy", certificate(pem));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    /** Finds testssl.sh; as root without it, installs Debian's package (CI runs as root). */
    static final class Testssl {
        static String command() throws Exception {
            String found = onPath();
            if (found == null && isRoot()) {
                install();
                found = onPath();
                assertThat(found)
                        .as("testssl.sh after apt-get install testssl.sh")
                        .isNotNull();
            }
            assumeTrue(found != null, "testssl.sh is not installed (apt-get install testssl.sh) and we are not root");
            return found;
        }

        private static String onPath() {
            for (String dir :
                    System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
                for (String name : List.of("testssl", "testssl.sh")) {
                    Path p = Path.of(dir, name);
                    if (Files.isExecutable(p)) {
                        return p.toString();
                    }
                }
            }
            return null;
        }

        private static boolean isRoot() throws Exception {
            Process id =
                    new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            id.waitFor(10, TimeUnit.SECONDS);
            return uid.equals("0");
        }

        private static void install() throws Exception {
            for (List<String> step : List.of(
                    List.of("apt-get", "install", "-y", "-qq", "testssl.sh"),
                    List.of("apt-get", "update", "-qq"),
                    List.of("apt-get", "install", "-y", "-qq", "testssl.sh"))) {
                if (onPath() != null) {
                    return;
                }
                ProcessBuilder b = new ProcessBuilder(step)
                        .redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
                b.environment().put("DEBIAN_FRONTEND", "noninteractive");
                Process p = b.start();
                if (!p.waitFor(5, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                }
            }
        }
    }
}
