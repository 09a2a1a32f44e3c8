package io.colloquy.limits;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code colloquy.rate-limits.*}: the burst every bucket allows (in seconds' worth of its rate), the
 * rate for requests without a valid key, per client address (protects key guessing), and how many
 * buckets one server keeps at most.
 */
@ConfigurationProperties("colloquy.rate-limits")
public record RateLimitSettings(
        @DefaultValue("2") int burstSeconds,
        @DefaultValue("10") int unauthenticatedPerSecond,
        @DefaultValue("100000") long maxBuckets) {

    public RateLimitSettings {
        if (burstSeconds < 1) {
            throw new IllegalArgumentException("colloquy.rate-limits.burst-seconds must be at least 1");
        }
        if (unauthenticatedPerSecond < 1) {
            throw new IllegalArgumentException("colloquy.rate-limits.unauthenticated-per-second must be at least 1");
        }
        if (maxBuckets < 1000) {
            throw new IllegalArgumentException("colloquy.rate-limits.max-buckets must be at least 1000");
        }
    }
}
