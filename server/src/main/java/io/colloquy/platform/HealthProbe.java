package io.colloquy.platform;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The container image's health check (it has no shell and no curl): exits 0 when {@code /readyz} on
 * this machine's Colloquy port ({@code COLLOQUY_PORT}, default 8080) answers 200, 1 otherwise. Run as
 * {@code java -cp @/app/jib-classpath-file io.colloquy.platform.HealthProbe}; starts no Spring context.
 * Plain HTTP only: behind {@code COLLOQUY_TLS}, check readiness from the proxy or orchestrator instead.
 */
public final class HealthProbe {
    private HealthProbe() {}

    public static void main(String[] args) {
        String port = System.getenv().getOrDefault("COLLOQUY_PORT", "8080");
        try (HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build()) {
            HttpResponse<Void> response = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + Integer.parseInt(port) + "/readyz"))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            System.exit(response.statusCode() == 200 ? 0 : 1);
        } catch (Exception e) {
            System.exit(1);
        }
    }
}
