package io.colloquy.tenant;

import io.colloquy.crypto.FieldRef;
import io.colloquy.crypto.KeyGone;
import io.colloquy.crypto.ServerKeys;
import io.colloquy.crypto.StoredValues;
import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.ValidationFailed;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.SecretKey;
import org.springframework.stereotype.Component;

/**
 * Idempotency-Key handling, inside the request's own transaction: the key is claimed with an insert
 * (a concurrent retry waits on it), the response is stored sealed (it can hold content or a new API
 * key) before commit, and a retry with the same request replays it; another request under the same
 * key within 24 hours is 422.
 *
 * <p>The response is sealed under the data key of the request's namespace (project-wide requests: the
 * project-level key, namespace ''), never under a server key: it is gone with the namespace (erasure
 * deletes the record, and its key), with the project, and no replay opens it while a customer key is
 * revoked (409 ENCRYPTION_KEY_REVOKED). A record whose key was destroyed is dropped and the request runs
 * again. Records are purged 24 hours after they were made ({@link IdempotencyPurgeJob}).
 */
@Component
public final class IdempotencyRecords {
    static final String TABLE = "idempotency_records";
    private static final int MAX_KEY_LENGTH = 255;
    private final IdempotencyRepository records;
    private final StoredValues values;
    private final SecretKey projectIdKey;
    private final SecretKey keyDigestKey;

    IdempotencyRecords(IdempotencyRepository records, StoredValues values, ServerKeys keys) {
        this.records = records;
        this.values = values;
        this.projectIdKey = keys.derive("project-ids/v1");
        this.keyDigestKey = keys.derive("idempotency-keys/v1");
    }

    /** A stored response to send again. */
    record Replay(int status, byte[] body) {}

    static String validKey(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            throw ValidationFailed.of("Idempotency-Key", "must be 1 to 255 characters");
        }
        return key;
    }

    static byte[] digest(String method, String uri, byte[] body) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((method + " " + uri + "\n").getBytes(StandardCharsets.UTF_8));
            return sha.digest(body);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Empty when this request now owns the key; the stored response when it is a retry. */
    Optional<Replay> claim(UUID project, String clientKey, byte[] digest) {
        String key = stored(clientKey);
        if (records.claim(project, key, digest)) {
            return Optional.empty();
        }
        IdempotencyRepository.Stored stored = records.find(project, key).orElseThrow();
        if (!MessageDigest.isEqual(stored.digest(), digest)) {
            throw new ApiException(
                    ErrorCode.IDEMPOTENCY_KEY_REUSED,
                    "This Idempotency-Key was already used with a different request.");
        }
        if (stored.response() == null) {
            throw new IllegalStateException("Idempotency record without a response");
        }
        try {
            String body = values.open(ref(project, stored.namespace(), key), stored.response());
            return Optional.of(new Replay(stored.status(), body.getBytes(StandardCharsets.UTF_8)));
        } catch (KeyGone e) {
            // Its key was destroyed: the response went with it. The request runs again, as a new one.
            records.delete(project, key);
            if (!records.claim(project, key, digest)) {
                throw new IllegalStateException("Idempotency record reappeared", e);
            }
            return Optional.empty();
        }
    }

    void complete(UUID project, String clientKey, int status, byte[] body) {
        String key = stored(clientKey);
        String ns = records.find(project, key).orElseThrow().namespace();
        records.complete(
                project, key, status, values.seal(ref(project, ns, key), new String(body, StandardCharsets.UTF_8)));
    }

    /** Deletes the stored responses of a namespace (its erasure), in the erasing transaction. */
    public int forgetNamespace(UUID project, Namespace ns) {
        return records.deleteNamespace(project, ns.name());
    }

    /** Deletes the project's records older than 24 hours (no retry can use them any more). */
    int purgeExpired(UUID project) {
        return records.deleteExpired(project);
    }

    /** The id of a project created with this Idempotency-Key: the same on every retry, unguessable. */
    UUID projectIdFor(String idempotencyKey) {
        byte[] h = ServerKeys.hmac(projectIdKey, idempotencyKey.getBytes(StandardCharsets.UTF_8));
        h[6] = (byte) ((h[6] & 0x0f) | 0x80);
        h[8] = (byte) ((h[8] & 0x3f) | 0x80);
        ByteBuffer b = ByteBuffer.wrap(h);
        return new UUID(b.getLong(), b.getLong());
    }

    /** Keys are stored as keyed hashes: a client may put anything in them, and lookups need no more. */
    private String stored(String clientKey) {
        return java.util.HexFormat.of()
                .formatHex(ServerKeys.hmac(keyDigestKey, clientKey.getBytes(StandardCharsets.UTF_8)));
    }

    /** Binds a stored response to its project, namespace and (hashed) key: a copy elsewhere does not open. */
    private static FieldRef ref(UUID project, String ns, String key) {
        ByteBuffer b = ByteBuffer.wrap(java.util.HexFormat.of().parseHex(key));
        return new FieldRef(project, ns, TABLE, new UUID(b.getLong(), b.getLong()), "response");
    }
}
