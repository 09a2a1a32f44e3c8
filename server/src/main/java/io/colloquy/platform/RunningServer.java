package io.colloquy.platform;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * The server of this data directory, found through the file it writes ({@link ServerDiscovery}) and proven to be
 * that server before the operator token is sent to it: a live pid, a loopback URL, and the right answer to a fresh
 * random challenge (an HMAC under the proof key only the file's reader and the server know, bound to the port). Used
 * by CLI commands that can do their work over HTTP instead of starting a second Spring context.
 *
 * <p>The data directory and operator token are taken the way a CLI context would take them, from
 * {@code COLLOQUY_DATA_DIR} (default {@code ./colloquy-data}) and {@code COLLOQUY_OPERATOR_TOKEN} (default: the
 * generated {@code secrets/operator-token}); a server configured otherwise is simply not found, and the command
 * starts its own context as before.
 */
public final class RunningServer {
    private static final int CONNECT_TIMEOUT_MS = 1000;
    private static final int READ_TIMEOUT_MS = 30_000;
    private static final SecureRandom RANDOM = new SecureRandom();
    private final URI url;
    private final String operatorToken;

    private RunningServer(URI url, String operatorToken) {
        this.url = url;
        this.operatorToken = operatorToken;
    }

    /** An HTTP answer: status and body text. */
    public record Response(int status, String body) {}

    /** The verified server of the data directory named by {@code environment}, or empty when none answers as it. */
    public static Optional<RunningServer> find(Map<String, String> environment) {
        Path dataDir = Path.of(firstNonBlank(
                        System.getProperty("colloquy.data-dir"),
                        environment.get("COLLOQUY_DATA_DIR"),
                        "./colloquy-data"))
                .toAbsolutePath()
                .normalize();
        try {
            Properties p = read(dataDir.resolve(ServerDiscovery.FILE_NAME));
            if (p == null) {
                return Optional.empty();
            }
            long pid = Long.parseLong(p.getProperty("pid", "-1"));
            URI url = URI.create(p.getProperty("url", ""));
            byte[] proofKey = Base64.getUrlDecoder().decode(p.getProperty("proof-key", ""));
            if (ProcessHandle.of(pid).isEmpty() || !loopback(url) || proofKey.length < 32) {
                return Optional.empty(); // a server that is gone (killed) left the file behind
            }
            String token = operatorToken(dataDir, environment);
            if (token == null || !provesItself(url, proofKey)) {
                return Optional.empty();
            }
            return Optional.of(new RunningServer(url, token));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** {@code POST} with the operator token and a JSON body. */
    public Response postAsOperator(String path, String json) throws IOException {
        HttpURLConnection c = open(path);
        c.setRequestMethod("POST");
        c.setRequestProperty("Authorization", "Bearer " + operatorToken);
        c.setRequestProperty("Content-Type", "application/json");
        c.setDoOutput(true);
        try (OutputStream out = c.getOutputStream()) {
            out.write(json.getBytes(StandardCharsets.UTF_8));
        }
        int status = c.getResponseCode();
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            return new Response(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            c.disconnect();
        }
    }

    static @Nullable Properties read(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
            return p;
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    static String proof(byte[] key, String challenge, int port) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] tag =
                    mac.doFinal(("colloquy-server-proof\n" + port + "\n" + challenge).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean provesItself(URI url, byte[] proofKey) throws IOException {
        byte[] nonce = new byte[32];
        RANDOM.nextBytes(nonce);
        String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(nonce);
        HttpURLConnection c = (HttpURLConnection) url.resolve("/readyz").toURL().openConnection();
        c.setConnectTimeout(CONNECT_TIMEOUT_MS);
        c.setReadTimeout(5000);
        c.setInstanceFollowRedirects(false);
        c.setRequestProperty(ServerDiscovery.CHALLENGE_HEADER, challenge);
        try {
            int status = c.getResponseCode();
            String answer = c.getHeaderField(ServerDiscovery.PROOF_HEADER);
            String expected = proof(proofKey, challenge, url.getPort());
            return status == 200
                    && answer != null
                    && MessageDigest.isEqual(
                            answer.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
        } finally {
            c.disconnect();
        }
    }

    private HttpURLConnection open(String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) url.resolve(path).toURL().openConnection();
        c.setConnectTimeout(CONNECT_TIMEOUT_MS);
        c.setReadTimeout(READ_TIMEOUT_MS);
        c.setInstanceFollowRedirects(false);
        return c;
    }

    private static boolean loopback(URI url) {
        if (!"http".equals(url.getScheme()) || url.getHost() == null || url.getPort() <= 0) {
            return false;
        }
        String host = url.getHost().startsWith("[")
                ? url.getHost().substring(1, url.getHost().length() - 1)
                : url.getHost();
        try {
            return InetAddress.ofLiteral(host).isLoopbackAddress();
        } catch (IllegalArgumentException notALiteral) {
            return false;
        }
    }

    private static @Nullable String operatorToken(Path dataDir, Map<String, String> environment) throws IOException {
        String configured = firstNonBlank(
                System.getProperty("colloquy.operator-token"), environment.get("COLLOQUY_OPERATOR_TOKEN"), null);
        if (configured != null) {
            return configured.strip();
        }
        Path file = new ServerSecrets(dataDir).path("operator-token");
        return Files.isReadable(file)
                ? Files.readString(file, StandardCharsets.UTF_8).strip()
                : null;
    }

    private static @Nullable String firstNonBlank(@Nullable String a, @Nullable String b, @Nullable String fallback) {
        if (a != null && !a.isBlank()) {
            return a;
        }
        return b != null && !b.isBlank() ? b : fallback;
    }
}
