package io.colloquy.webhooks;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code colloquy.webhooks.*} (docs/webhooks.md).
 *
 * @param allowHttp development only: accept plain {@code http} receiver URLs (still never a private address)
 * @param allowLoopbackForTests tests only: accept receivers on this machine's loopback; never set in production
 * @param maxPerProject webhooks a project may have (409 {@code WEBHOOK_LIMIT_EXCEEDED} past it)
 * @param concurrencyPerProject deliveries in flight at once for one project (other projects are not affected)
 * @param pollInterval how often the worker looks for due webhooks
 * @param retryFor how long a failing delivery is retried before the webhook is disabled
 * @param retryInitial the first retry's delay; each next one doubles (with jitter) up to {@code retryMax}
 * @param retryMax the longest delay between two attempts
 * @param deliveriesKept attempts kept in each webhook's delivery log (older ones are pruned)
 * @param rotationOverlap default time both the new and the previous secret sign after a rotation
 * @param trustCertificates a PEM file of certificates to trust for receivers INSTEAD of the JDK's CAs
 *     (a private CA; the tests' self-signed receiver); empty = the JDK's default trust
 */
@ConfigurationProperties("colloquy.webhooks")
record WebhookSettings(
        boolean allowHttp,
        boolean allowLoopbackForTests,
        @Nullable Integer maxPerProject,
        @Nullable Integer concurrencyPerProject,
        @Nullable Duration pollInterval,
        @Nullable Duration retryFor,
        @Nullable Duration retryInitial,
        @Nullable Duration retryMax,
        @Nullable Integer deliveriesKept,
        @Nullable Duration rotationOverlap,
        @Nullable String trustCertificates) {

    WebhookSettings {
        maxPerProject = positive(maxPerProject, 20, "max-per-project");
        concurrencyPerProject = positive(concurrencyPerProject, 4, "concurrency-per-project");
        pollInterval = positive(pollInterval, Duration.ofSeconds(1), "poll-interval");
        retryFor = positive(retryFor, Duration.ofHours(24), "retry-for");
        retryInitial = positive(retryInitial, Duration.ofSeconds(5), "retry-initial");
        retryMax = positive(retryMax, Duration.ofHours(1), "retry-max");
        deliveriesKept = positive(deliveriesKept, 100, "deliveries-kept");
        rotationOverlap = rotationOverlap == null ? Duration.ofHours(24) : rotationOverlap;
        if (rotationOverlap.isNegative()) {
            throw new IllegalArgumentException("colloquy.webhooks.rotation-overlap must not be negative");
        }
        trustCertificates = trustCertificates == null || trustCertificates.isBlank() ? null : trustCertificates;
    }

    private static Integer positive(@Nullable Integer value, int otherwise, String name) {
        if (value != null && value < 1) {
            throw new IllegalArgumentException("colloquy.webhooks." + name + " must be at least 1");
        }
        return value == null ? otherwise : value;
    }

    private static Duration positive(@Nullable Duration value, Duration otherwise, String name) {
        if (value != null && (value.isNegative() || value.isZero())) {
            throw new IllegalArgumentException("colloquy.webhooks." + name + " must be positive");
        }
        return value == null ? otherwise : value;
    }
}
