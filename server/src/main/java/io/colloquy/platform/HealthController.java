package io.colloquy.platform;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /healthz} (liveness: fails only when the process cannot recover by itself, i.e. its embedded database
 * is beyond restarting) and {@code /readyz} (readiness: database reachable, schema migrated).
 */
@RestController
class HealthController {
    private final ReadinessRepository readiness;
    private final DatabaseAvailability database;
    private final DatabaseEndpoint endpoint;

    private final ServerDiscovery discovery;

    HealthController(
            ReadinessRepository readiness,
            DatabaseAvailability database,
            DatabaseEndpoint endpoint,
            ServerDiscovery discovery) {
        this.readiness = readiness;
        this.database = database;
        this.endpoint = endpoint;
        this.discovery = discovery;
    }

    @GetMapping("/healthz")
    ResponseEntity<Map<String, String>> health() {
        boolean unrecoverable = endpoint.embedded() != null
                && endpoint.embedded().server() instanceof EmbeddedPostgres postgres
                && postgres.recoveryImpossible();
        return ResponseEntity.status(unrecoverable ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.OK)
                .body(Map.of("status", unrecoverable ? "database_unrecoverable" : "ok"));
    }

    /**
     * With a {@code Colloquy-Server-Challenge} header (a CLI checking it found this server, see
     * {@link ServerDiscovery}), the answer carries {@code Colloquy-Server-Proof}.
     */
    @GetMapping("/readyz")
    ResponseEntity<Map<String, String>> ready(
            @RequestHeader(name = ServerDiscovery.CHALLENGE_HEADER, required = false) @Nullable String challenge,
            HttpServletRequest request) {
        boolean ready = false;
        if (database.available()) {
            try {
                ready = readiness.ready();
            } catch (RuntimeException e) {
                database.suspect();
            }
        }
        ResponseEntity.BodyBuilder response =
                ResponseEntity.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
        if (challenge != null && challenge.length() <= 100) {
            response.header(ServerDiscovery.PROOF_HEADER, discovery.proof(challenge, request.getLocalPort()));
        }
        return response.body(Map.of("status", ready ? "ready" : "unavailable"));
    }
}
