package io.colloquy.keys;

import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Failed authentications, counted in {@code colloquy_auth_failures_total{reason=...}} on /metrics and
 * logged with the key id at most (never the key): {@code missing}, {@code malformed}, {@code unknown},
 * {@code revoked}, {@code expired}, {@code ip_not_allowed}. The log line carries the request id and
 * client address through the MDC.
 */
@Component
final class AuthFailures {
    static final String METER = "colloquy.auth.failures";
    private static final Logger log = LoggerFactory.getLogger(AuthFailures.class);
    private final MeterRegistry meters;

    AuthFailures(MeterRegistry meters) {
        this.meters = meters;
    }

    void record(String reason, @Nullable String keyId) {
        meters.counter(METER, "reason", reason).increment();
        log.info("Authentication failed: reason={} key_id={}", reason, keyId == null ? "-" : keyId);
    }
}
