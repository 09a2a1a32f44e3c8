package io.colloquy.webhooks;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A webhook receiver for tests: HTTPS on 127.0.0.1 only (a random port), with the test certificate the
 * test configuration trusts; records every request and answers with the status {@link #answer} gives.
 */
final class TestReceiver implements AutoCloseable {
    /** One request as received: lower-cased header names, the raw body. */
    record Received(Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    private final HttpsServer server;
    final List<Received> received = new CopyOnWriteArrayList<>();
    final AtomicInteger status = new AtomicInteger(200);
    volatile IntSupplier answer = status::get;
    volatile Duration delay = Duration.ZERO;
    /** Answer with an endless body (until the sender hangs up) instead of none. */
    volatile boolean endlessBody;

    TestReceiver() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of("src/test/resources/webhooks/receiver.p12"))) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try (exchange) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                Map<String, String> headers = new java.util.HashMap<>();
                exchange.getRequestHeaders()
                        .forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.getFirst()));
                received.add(new Received(Map.copyOf(headers), body)); // as it arrives, answered or not
                if (!delay.isZero()) {
                    try {
                        Thread.sleep(delay);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (endlessBody) {
                    exchange.sendResponseHeaders(answer.getAsInt(), 0);
                    byte[] chunk = new byte[1024];
                    while (true) { // ends with an IOException when the sender drops the connection
                        exchange.getResponseBody().write(chunk);
                    }
                }
                exchange.sendResponseHeaders(answer.getAsInt(), -1);
            } catch (IOException e) {
                // the sender went away (aborted delivery): nothing to answer
            }
        });
        server.start();
    }

    String url(String path) {
        return "https://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
