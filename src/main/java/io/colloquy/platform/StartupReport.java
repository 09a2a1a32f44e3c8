package io.colloquy.platform;

import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.stereotype.Component;

/** Tells the person who started the server where it listens and how to get the first API key. */
@Component
final class StartupReport implements ApplicationListener<WebServerInitializedEvent> {
    private final ColloquySettings settings;
    private final OperatorToken operatorToken;

    StartupReport(ColloquySettings settings, OperatorToken operatorToken) {
        this.settings = settings;
        this.operatorToken = operatorToken;
    }

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        if ("management".equals(event.getApplicationContext().getServerNamespace())) {
            return;
        }
        String address = event.getApplicationContext().getEnvironment().getProperty("server.address", "0.0.0.0");
        int port = event.getWebServer().getPort();
        StringBuilder s = new StringBuilder();
        s.append("\nColloquy is listening on http://")
                .append(address.contains(":") ? "[" + address + "]" : address)
                .append(':')
                .append(port)
                .append('\n');
        s.append("  WARNING: plain HTTP. Fine on loopback for development; put TLS in front for anything else.\n");
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
        System.out.println(s);
    }
}
