package io.colloquy.keys;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.colloquy.platform.Ids;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** A key in API responses; {@code key} (the full secret) is present only in the creation response. */
public record KeyView(
        String id,
        @Nullable String name,
        List<String> capabilities,
        List<String> ipAllowlist,
        @Nullable Instant expiresAt,
        Instant createdAt,
        @Nullable Instant lastUsedAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String key) {

    public static KeyView of(ApiKey k, @Nullable String secretKey) {
        return new KeyView(
                Ids.format("key", k.keyId()),
                k.name(),
                k.capabilities().stream().map(Capability::wireName).toList(),
                k.ipAllowlist(),
                k.expiresAt(),
                k.createdAt(),
                k.lastUsedAt(),
                secretKey);
    }
}
