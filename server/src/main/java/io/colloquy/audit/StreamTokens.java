package io.colloquy.audit;

import io.colloquy.platform.Ids;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.stereotype.Service;

/**
 * Short-lived, single-use tokens that let a browser open the audit WebSocket (browsers cannot set an
 * {@code Authorization} header on it): {@code cq_st_<project>_<256 random bits>}, valid 60 seconds; only
 * a SHA-256 digest is stored, and redeeming deletes it. The project in the token only says where to
 * look; the secret decides.
 */
@Service
public class StreamTokens {
    static final Duration LIFETIME = Duration.ofSeconds(60);
    private static final Pattern FORMAT = Pattern.compile("cq_st_([0-9a-f]{32})_([A-Za-z0-9_-]{43})");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final AuditRepository tokens;
    private final TenantScope tenants;
    private final Clock clock;

    StreamTokens(AuditRepository tokens, TenantScope tenants, Clock clock) {
        this.tokens = tokens;
        this.tenants = tenants;
        this.clock = clock;
    }

    record Issued(String token, Instant expiresAt) {}

    /** Who a redeemed token was issued to. */
    public record Redeemed(UUID projectId, UUID keyId) {}

    /** Issues a token in the current (request) transaction; expired ones of the project are removed. */
    Issued issue(UUID project, UUID keyId) {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String token = "cq_st_" + Ids.hex(project) + "_"
                + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Instant now = clock.instant();
        Instant expires = now.plus(LIFETIME);
        tokens.purgeTokens(project, now);
        tokens.insertToken(project, digest(token), keyId, expires);
        return new Issued(token, expires);
    }

    /** Redeems a token once, in its own transaction; empty when malformed, unknown, used or expired. */
    public Optional<Redeemed> redeem(String token) {
        Matcher m = FORMAT.matcher(token);
        if (!m.matches()) {
            return Optional.empty();
        }
        UUID project = Ids.fromHex(m.group(1)).orElseThrow();
        return tenants.inProject(project, () -> tokens.redeemToken(project, digest(token), clock.instant()))
                .map(key -> new Redeemed(project, key));
    }

    private static byte[] digest(String token) {
        return AuditLog.sha256(token.getBytes(StandardCharsets.UTF_8));
    }
}
