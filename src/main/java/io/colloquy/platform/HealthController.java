package io.colloquy.platform;

import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /healthz} (the process answers) and {@code /readyz} (database reachable, schema migrated). */
@RestController
class HealthController {
    private final ReadinessRepository readiness;

    HealthController(ReadinessRepository readiness) {
        this.readiness = readiness;
    }

    @GetMapping("/healthz")
    Map<String, String> health() {
        return Map.of("status", "ok");
    }

    @GetMapping("/readyz")
    ResponseEntity<Map<String, String>> ready() {
        boolean ready;
        try {
            ready = readiness.ready();
        } catch (RuntimeException e) {
            ready = false;
        }
        return ResponseEntity.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                .body(Map.of("status", ready ? "ready" : "unavailable"));
    }
}
