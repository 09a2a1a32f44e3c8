package io.colloquy.search;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code colloquy.embeddings.*} (docs/search.md).
 *
 * @param enabled compute embeddings and answer {@code mode=semantic|hybrid}, the context endpoint's memory
 *     ranking and the grounding check (default true); off: those answer 409 {@code EMBEDDINGS_DISABLED}
 * @param pollInterval how often the worker looks for projects whose log it has not applied yet
 * @param cacheBytes the decrypted vectors kept in memory, all namespaces together (least recently used go first)
 * @param hybridSemanticWeight the weight of the semantic ranking in hybrid's reciprocal-rank fusion (0..1;
 *     the keyword ranking gets the rest)
 * @param groundedAt a grounding score at or above this is {@code grounded}
 * @param flaggedAt a grounding score at or above this (and below {@code grounded-at}) is {@code flagged}, below
 *     it {@code blocked}
 * @param supportAt the cosine similarity at which a memory counts as supporting a claim
 */
@ConfigurationProperties("colloquy.embeddings")
record EmbeddingSettings(
        @Nullable Boolean enabled,
        @Nullable Duration pollInterval,
        @Nullable Long cacheBytes,
        @Nullable Double hybridSemanticWeight,
        @Nullable Double groundedAt,
        @Nullable Double flaggedAt,
        @Nullable Double supportAt) {

    EmbeddingSettings {
        enabled = enabled == null || enabled;
        pollInterval = pollInterval == null ? Duration.ofMillis(500) : pollInterval;
        cacheBytes = cacheBytes == null ? 256L * 1024 * 1024 : cacheBytes;
        hybridSemanticWeight = hybridSemanticWeight == null ? 0.5 : hybridSemanticWeight;
        groundedAt = groundedAt == null ? 0.8 : groundedAt;
        flaggedAt = flaggedAt == null ? 0.5 : flaggedAt;
        supportAt = supportAt == null ? 0.6 : supportAt;
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("colloquy.embeddings.poll-interval must be positive");
        }
        if (cacheBytes < 0) {
            throw new IllegalArgumentException("colloquy.embeddings.cache-bytes must not be negative");
        }
        if (hybridSemanticWeight < 0 || hybridSemanticWeight > 1) {
            throw new IllegalArgumentException("colloquy.embeddings.hybrid-semantic-weight must be from 0 to 1");
        }
        if (!(0 <= flaggedAt && flaggedAt <= groundedAt && groundedAt <= 1)) {
            throw new IllegalArgumentException("colloquy.embeddings: 0 <= flagged-at <= grounded-at <= 1 must hold");
        }
        if (supportAt < -1 || supportAt > 1) {
            throw new IllegalArgumentException("colloquy.embeddings.support-at must be from -1 to 1");
        }
    }

    boolean on() {
        return Boolean.TRUE.equals(enabled);
    }
}
