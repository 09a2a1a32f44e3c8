package io.colloquy.platform;

import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
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

    HealthController(ReadinessRepository readiness, DatabaseAvailability database, DatabaseEndpoint endpoint) {
        this.readiness = readiness;
        this.database = database;
        this.endpoint = endpoint;
    }

    @GetMapping("/healthz")
    ResponseEntity<Map<String, String>> health() {
        boolean unrecoverable = endpoint.embedded() != null
                && endpoint.embedded().server() instanceof EmbeddedPostgres postgres
                && postgres.recoveryImpossible();
        return ResponseEntity.status(unrecoverable ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.OK)
                .body(Map.of("status", unrecoverable ? "database_unrecoverable" : "ok"));
    }

    @GetMapping("/readyz")
    ResponseEntity<Map<String, String>> ready() {
        boolean ready = false;
        if (database.available()) {
            try {
                ready = readiness.ready();
            } catch (RuntimeException e) {
                database.suspect();
            }
        }
        return ResponseEntity.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                .body(Map.of("status", ready ? "ready" : "unavailable"));
    }
}
