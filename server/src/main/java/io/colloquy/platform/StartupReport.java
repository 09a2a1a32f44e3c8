package io.colloquy.platform;

import java.net.InetAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.stereotype.Component;

/** Tells the person who started the server where it listens and how to get the first API key. */
@Component
final class StartupReport implements ApplicationListener<WebServerInitializedEvent> {
    private static final Logger log = LoggerFactory.getLogger(StartupReport.class);
    private final ColloquySettings settings;
    private final TlsSettings tls;
    private final OperatorToken operatorToken;

    StartupReport(ColloquySettings settings, TlsSettings tls, OperatorToken operatorToken) {
        this.settings = settings;
        this.tls = tls;
        this.operatorToken = operatorToken;
    }

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        if ("management".equals(event.getApplicationContext().getServerNamespace())) {
            return;
        }
        String address = event.getApplicationContext().getEnvironment().getProperty("server.address", "0.0.0.0");
        int port = event.getWebServer().getPort();
        String url = (tls.enabled() ? "https://" : "http://")
                + (address.contains(":") ? "[" + address + "]" : address)
                + ':'
                + port;
        StringBuilder s = new StringBuilder();
        s.append("\nColloquy is listening on ").append(url).append('\n');
        if (tls.enabled()) {
            s.append("  TLS 1.2/1.3, AEAD cipher suites only, HSTS on; plain HTTP on this port is refused.\n");
            if (tls.selfSigned()) {
                s.append("  Self-signed certificate: ")
                        .append(settings.dataDir().toAbsolutePath().normalize().resolve("tls/self-signed.crt"))
                        .append(" (clients must trust it explicitly)\n");
            }
        } else {
            s.append("  *****************************************************************************\n");
            s.append("  WARNING: PLAIN HTTP, NO TLS. API keys and content cross the network in clear.\n");
            s.append("  Fine on loopback for development. For anything else set COLLOQUY_TLS_CERT and\n");
            s.append("  COLLOQUY_TLS_KEY (or COLLOQUY_TLS=self-signed), or put a TLS proxy in front.\n");
            s.append("  *****************************************************************************\n");
            if (!isLoopback(address)) {
                log.warn(
                        "Serving plain HTTP on the non-loopback address {}: configure TLS (COLLOQUY_TLS_CERT)",
                        address);
            }
        }
        s.append("  Data directory: ")
                .append(settings.dataDir().toAbsolutePath().normalize())
                .append('\n');
        s.append("  Database: ")
                .append(settings.database().external() ? "external (COLLOQUY_DATABASE_URL)" : "embedded PostgreSQL")
                .append('\n');
        if (operatorToken.file() != null) {
            s.append("  Operator token: in ").append(operatorToken.file()).append(" (never printed)\n");
        }
        s.append("  Create a project and its first API key:  ./colloquy project create my-app\n");
        s.append("  Sign in to the console at ")
                .append(url)
                .append("/console after inviting yourself:\n")
                .append("    ./colloquy user invite you@example.com --project <project id> --role owner\n");
        System.out.println(s);
    }

    private static boolean isLoopback(String address) {
        try {
            return InetAddress.ofLiteral(address).isLoopbackAddress();
        } catch (IllegalArgumentException hostName) {
            return "localhost".equals(address);
        }
    }
}
