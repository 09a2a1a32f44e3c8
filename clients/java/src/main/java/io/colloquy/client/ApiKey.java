package io.colloquy.client;

import java.time.Instant;
import java.util.List;

/**
 * An API key of the project.
 *
 * @param id {@code key_...}
 * @param name its name, or null
 * @param capabilities read, write, admin
 * @param ipAllowlist the CIDRs it may be used from (empty: any)
 * @param expiresAt when it stops working, or null
 * @param createdAt when it was created
 * @param lastUsedAt when it was last used, or null
 * @param key the secret ({@code cq_key_...}): only in the answer to its creation, else null
 */
public record ApiKey(
        String id,
        String name,
        List<String> capabilities,
        List<String> ipAllowlist,
        Instant expiresAt,
        Instant createdAt,
        Instant lastUsedAt,
        String key) {}
