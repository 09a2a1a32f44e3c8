package io.colloquy.keys;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** An API key as stored, without its secret. */
public record ApiKey(
        UUID projectId,
        UUID keyId,
        @Nullable String name,
        List<Capability> capabilities,
        List<String> ipAllowlist,
        @Nullable Instant expiresAt,
        Instant createdAt,
        @Nullable Instant lastUsedAt) {}
