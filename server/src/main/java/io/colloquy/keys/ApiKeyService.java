package io.colloquy.keys;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.colloquy.access.Cidr;
import io.colloquy.access.IpAccess;
import io.colloquy.audit.Action;
import io.colloquy.audit.AuditLog;
import io.colloquy.audit.EntityType;
import io.colloquy.audit.ProjectDeleting;
import io.colloquy.audit.StreamTokens;
import io.colloquy.platform.Ids;
import io.colloquy.web.Page;
import io.colloquy.web.PageRequest;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;

/**
 * Issues, verifies, lists and revokes API keys. A key is {@code cq_key_<32 hex id>_<secret>}: 256 bits
 * from SecureRandom, shown once; only SHA-256 of the whole key is stored (keys are high-entropy, so a
 * slow KDF would add latency and no security) and compared in constant time. Every request reads the
 * key's row, so a revocation takes effect on the very next request.
 */
@Service
public class ApiKeyService {
    private static final Pattern FORMAT = Pattern.compile("cq_key_([0-9a-f]{32})_([A-Za-z0-9_-]{43})");
    private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);
    private static final byte[] NO_SUCH_KEY = new byte[32];
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ApiKeyRepository keys;
    private final IpAccess access;
    private final AuditLog audit;
    private final StreamTokens streamTokens;
    private final Clock clock;
    /**
     * Ids of keys issued here or accepted lately, with the digest they were accepted with (bounded;
     * losing one only costs that key a lookup before its body is read).
     */
    private final Cache<UUID, byte[]> known =
            Caffeine.newBuilder().maximumSize(100_000).build();

    ApiKeyService(ApiKeyRepository keys, IpAccess access, AuditLog audit, StreamTokens streamTokens, Clock clock) {
        this.keys = keys;
        this.access = access;
        this.audit = audit;
        this.streamTokens = streamTokens;
        this.clock = clock;
    }

    /** What a new key may do; validated before it is issued. */
    public record NewKey(
            @Nullable String name,
            List<Capability> capabilities,
            List<Cidr> ipAllowlist,
            @Nullable Instant expiresAt) {}

    /** A freshly issued key and its full secret text, which is never available again. */
    public record IssuedKey(ApiKey key, String secret) {}

    /** Issues a key in the current tenant transaction. */
    public IssuedKey issue(UUID projectId, NewKey spec) {
        return issue(projectId, spec, null);
    }

    /** Issues a key; its audit event points at {@code auditParent} (e.g. the new project's event). */
    public IssuedKey issue(UUID projectId, NewKey spec, @Nullable UUID auditParent) {
        UUID keyId = Ids.newId();
        byte[] secretBytes = new byte[32];
        RANDOM.nextBytes(secretBytes);
        String secret = "cq_" + Ids.format("key", keyId) + "_"
                + Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
        ApiKey key = new ApiKey(
                projectId,
                keyId,
                spec.name(),
                List.copyOf(spec.capabilities()),
                spec.ipAllowlist().stream().map(Cidr::toString).toList(),
                spec.expiresAt(),
                clock.instant(),
                null);
        byte[] digest = digest(secret);
        keys.insert(key, digest);
        known.put(keyId, digest);
        audit.record(change(key, Action.CREATED, KeyView.of(key, null)).under(auditParent));
        return new IssuedKey(key, secret);
    }

    /** What a presented key amounts to, decided from the key lookup alone (no tenant data is read). */
    public sealed interface Verdict {
        /** A known, unexpired key whose secret matches, used from an allowed address. */
        record Valid(Caller.Key caller, String plan) implements Verdict {}

        /** A valid key used from an address outside its own or its project's IP allowlist. */
        record AddressNotAllowed() implements Verdict {}

        /**
         * Malformed, unknown (or revoked: a revoked key is deleted), expired, or a secret that does not
         * match; {@code reason} is one of {@code malformed}, {@code unknown}, {@code expired}, {@code revoked} (metrics only,
         * never told to the client).
         */
        record Invalid(String reason) implements Verdict {}

        /** The key id a presented credential names, for logs ({@code key_...}), when it has one. */
        static Optional<String> keyIdOf(String presented) {
            Matcher m = FORMAT.matcher(presented);
            return m.matches() ? Optional.of("key_" + m.group(1)) : Optional.empty();
        }
    }

    /** A well-formed key as presented: the id it names and the SHA-256 digest of its whole text. */
    public record Presented(UUID keyId, byte[] digest) {
        /** The id for logs, {@code key_...}. */
        public String publicId() {
            return Ids.format("key", keyId);
        }
    }

    /**
     * What the database holds of a key whose presented secret matched (the request transaction's first
     * statement returns it): enough to decide expiry, the allowlists, the capabilities and the plan.
     */
    public record KeyFacts(
            UUID projectId,
            List<Capability> capabilities,
            List<String> ipAllowlist,
            @Nullable Instant expiresAt,
            String projectPlan,
            List<String> projectIpAllowlist) {}

    /** The id and digest of a presented key, if it is well-formed at all. */
    public Optional<Presented> presented(String text) {
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Ids.fromHex(m.group(1)).map(id -> new Presented(id, digest(text)));
    }

    /**
     * Whether exactly this key (id and secret) was accepted here lately: such a request may have its body
     * read before its key is checked again, in its transaction's first statement. It never vouches for the
     * key itself (that first statement does, and a revoked key is refused there).
     */
    public boolean vouched(Presented key) {
        byte[] accepted = known.getIfPresent(key.keyId());
        return accepted != null && MessageDigest.isEqual(accepted, key.digest());
    }

    /**
     * The verdict on a presented key given what the database returned for it ({@code facts} empty: no
     * key with that id and secret), for a client address: expiry, then the allowlists (the key's and its
     * project's).
     */
    public Verdict verdict(Presented key, Optional<KeyFacts> facts, InetAddress client) {
        if (facts.isEmpty()) {
            return new Verdict.Invalid("unknown");
        }
        KeyFacts f = facts.get();
        if (f.expiresAt() != null && !f.expiresAt().isAfter(clock.instant())) {
            return new Verdict.Invalid("expired");
        }
        known.put(key.keyId(), key.digest());
        if (!access.allows(client, f.ipAllowlist(), f.projectIpAllowlist())) {
            return new Verdict.AddressNotAllowed();
        }
        return new Verdict.Valid(
                new Caller.Key(f.projectId(), key.keyId(), java.util.Set.copyOf(f.capabilities()), f.projectPlan()),
                f.projectPlan());
    }

    /**
     * Whether a presented key names a key this server issued or recently accepted. Such a key is
     * looked up even from an address that has spent its budget for unverified credentials; any other
     * credential from there is refused before the lookup (the cache only ever lets a lookup happen, it
     * never vouches for a key).
     */
    public boolean knownKeyId(String presented) {
        Matcher m = FORMAT.matcher(presented);
        return m.matches()
                && Ids.fromHex(m.group(1))
                        .map(id -> known.getIfPresent(id) != null)
                        .orElse(false);
    }

    /**
     * Verifies a presented key for a client address. The allowlists (the key's and its project's) are
     * decided here, right after the lookup; only an allowed request marks the key as used.
     */
    public Verdict authenticate(String presented, InetAddress client) {
        Optional<Presented> key = presented(presented);
        if (key.isEmpty()) {
            return new Verdict.Invalid("malformed");
        }
        UUID keyId = key.get().keyId();
        Optional<ApiKeyRepository.Credentials> found = keys.findForAuthentication(keyId);
        byte[] expected = found.map(ApiKeyRepository.Credentials::digest).orElse(NO_SUCH_KEY);
        boolean matches = MessageDigest.isEqual(expected, key.get().digest());
        Optional<KeyFacts> facts = found.filter(c -> matches)
                .map(c -> new KeyFacts(
                        c.projectId(),
                        c.capabilities(),
                        c.ipAllowlist(),
                        c.expiresAt(),
                        c.projectPlan(),
                        c.projectIpAllowlist()));
        Verdict verdict = verdict(key.get(), facts, client);
        Instant lastUsed = found.map(ApiKeyRepository.Credentials::lastUsedAt).orElse(null);
        if (verdict instanceof Verdict.Valid
                && (lastUsed == null || lastUsed.isBefore(clock.instant().minus(TOUCH_EVERY)))) {
            keys.touch(keyId);
        }
        return verdict;
    }

    public Page<ApiKey> list(UUID projectId, PageRequest page) {
        UUID after = page.after() == null ? null : Ids.fromHex(page.after()).orElseThrow(() -> badCursor());
        return page.page(keys.list(projectId, after, page.limit() + 1), k -> Ids.hex(k.keyId()));
    }

    public long count(UUID projectId) {
        return keys.count(projectId);
    }

    public void revoke(UUID projectId, String publicId) {
        UUID keyId = Ids.parse("key", publicId).orElseThrow(KeyNotFound::new);
        if (!keys.delete(projectId, keyId)) {
            throw new KeyNotFound();
        }
        known.invalidate(keyId); // its next request here is checked before its body is read
        audit.record(
                AuditLog.Change.of(projectId, null, EntityType.KEY, Ids.format("key", keyId), Action.DELETED, null));
    }

    /**
     * The caller an audit stream token stands for: the admin key it was issued to, if that key still
     * exists, is unexpired and is still admin (the token is single-use: redeeming it consumes it).
     */
    public Verdict authenticateStreamToken(String token, InetAddress client) {
        var redeemed = streamTokens.redeem(token);
        if (redeemed.isEmpty()) {
            return new Verdict.Invalid("unknown");
        }
        var t = redeemed.get();
        return adminStanding(t.projectId(), t.keyId(), client);
    }

    /**
     * Whether something an admin key issued (a stream token, an export link) may still be used, from
     * this address: only while that key exists, is unexpired, is still admin and allows the address
     * (its own and its project's allowlist). Revoking or expiring the key ends everything it issued.
     */
    public Verdict adminStanding(UUID projectId, UUID keyId, InetAddress client) {
        Optional<ApiKeyRepository.Credentials> found = keys.findForAuthentication(keyId)
                .filter(c -> c.projectId().equals(projectId))
                .filter(c -> c.expiresAt() == null || c.expiresAt().isAfter(clock.instant()));
        if (found.isEmpty()) {
            return new Verdict.Invalid("revoked");
        }
        ApiKeyRepository.Credentials c = found.get();
        Caller.Key key = new Caller.Key(c.projectId(), keyId, java.util.Set.copyOf(c.capabilities()), c.projectPlan());
        if (!key.can(Capability.ADMIN)) {
            return new Verdict.Invalid("unknown");
        }
        if (!access.allows(client, c.ipAllowlist(), c.projectIpAllowlist())) {
            return new Verdict.AddressNotAllowed();
        }
        return new Verdict.Valid(key, c.projectPlan());
    }

    /** A project is being deleted: every key goes with it, each with its own event. */
    @EventListener
    void onProjectDeleting(ProjectDeleting deleting) {
        audit.recordAll(keys.ids(deleting.projectId()).stream()
                .map(id -> AuditLog.Change.of(
                                deleting.projectId(), null, EntityType.KEY, Ids.format("key", id), Action.DELETED, null)
                        .under(deleting.parentEventId()))
                .toList());
    }

    private static AuditLog.Change change(ApiKey key, Action action, Object data) {
        return AuditLog.Change.of(key.projectId(), null, EntityType.KEY, Ids.format("key", key.keyId()), action, data);
    }

    private static io.colloquy.web.ValidationFailed badCursor() {
        return io.colloquy.web.ValidationFailed.of("cursor", "is not a cursor this API returned");
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }
}
