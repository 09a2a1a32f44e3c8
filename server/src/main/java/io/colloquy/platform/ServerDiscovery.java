package io.colloquy.platform;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Lets {@code ./colloquy} commands find this server instead of starting a second one: once ready, the server writes
 * {@code <data dir>/server.properties} (0600: its loopback URL, its pid and a random proof key of this run; never the
 * operator token) and removes it when it stops. A CLI that reads it proves the server is really this one before it
 * sends the operator token: it sends a random challenge with {@code GET /readyz} and expects
 * {@link #proof(String, int) an HMAC} of it under the proof key, bound to the port it connected to (see
 * {@link RunningServer}). Written only for plain HTTP on a loopback or wildcard address; with TLS, or on one
 * non-loopback address, the CLI starts its own context as before.
 */
@Component
final class ServerDiscovery {
    static final String FILE_NAME = "server.properties";
    static final String CHALLENGE_HEADER = "Colloquy-Server-Challenge";
    static final String PROOF_HEADER = "Colloquy-Server-Proof";
    private static final Logger log = LoggerFactory.getLogger(ServerDiscovery.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Path file;
    private final byte[] proofKey = new byte[32];
    private final boolean tls;
    private final String address;
    private volatile int port = -1;
    private volatile boolean written;

    ServerDiscovery(ColloquySettings settings, TlsSettings tls, Environment environment) {
        this.file = settings.dataDir().toAbsolutePath().normalize().resolve(FILE_NAME);
        this.tls = tls.enabled();
        this.address = environment.getProperty("server.address", "0.0.0.0");
        RANDOM.nextBytes(proofKey);
    }

    @EventListener
    void onWebServer(WebServerInitializedEvent event) {
        if (!"management".equals(event.getApplicationContext().getServerNamespace())) {
            port = event.getWebServer().getPort();
        }
    }

    @EventListener
    void onReady(ApplicationReadyEvent event) {
        String url = loopbackUrl();
        if (url == null) {
            return;
        }
        Properties p = new Properties();
        p.setProperty("url", url);
        p.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
        p.setProperty("proof-key", Base64.getUrlEncoder().withoutPadding().encodeToString(proofKey));
        try {
            Path tmp = Files.createTempFile(
                    file.getParent(),
                    FILE_NAME,
                    ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(out, "Colloquy server of this data directory (read by ./colloquy; removed on stop)");
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            written = true;
        } catch (IOException e) {
            log.warn("Could not write {} (CLI commands will start their own context): {}", file, e.getMessage());
        }
    }

    @EventListener
    void onClose(ContextClosedEvent event) {
        if (!written || event.getApplicationContext().getParent() != null) {
            return;
        }
        written = false;
        try {
            Properties p = RunningServer.read(file);
            if (p != null && Long.toString(ProcessHandle.current().pid()).equals(p.getProperty("pid"))) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            log.warn("Could not remove {}: {}", file, e.getMessage());
        }
    }

    /** The answer to a CLI's challenge on {@code port} (the one it reached us on). */
    String proof(String challenge, int port) {
        return RunningServer.proof(proofKey, challenge, port);
    }

    private @Nullable String loopbackUrl() {
        if (tls || port <= 0) {
            return null;
        }
        try {
            InetAddress bound = InetAddress.ofLiteral(address);
            if (bound.isAnyLocalAddress()) {
                return "http://127.0.0.1:" + port;
            }
            if (bound.isLoopbackAddress()) {
                return "http://" + (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
            }
            return null;
        } catch (IllegalArgumentException hostName) {
            return "localhost".equals(address) ? "http://127.0.0.1:" + port : null;
        }
    }
}
