package io.colloquy.crypto;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Seals content (titles, metadata, tags, message and memory content) into the bytes a content column
 * stores, and opens it again. Format {@code 0x02}: {@code 0x02 || data key version (int32) ||
 * nonce (12 random bytes) || AES-256-GCM ciphertext+tag}, under the namespace's data key, with the
 * {@link FieldRef} (project, namespace, table, row id, column) and the key version as associated data:
 * a value copied to another row, column, namespace or project does not open. A value that does not
 * open is an integrity error (logged without content, answered 500), never garbage.
 */
@Component
public final class StoredValues {
    static final byte SEALED_V2 = 0x02;
    private static final int HEADER = 1 + 4 + 12;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Logger log = LoggerFactory.getLogger(StoredValues.class);
    static final GcmCiphers CIPHERS = new GcmCiphers();
    private final Keyring keyring;

    StoredValues(Keyring keyring) {
        this.keyring = keyring;
    }

    public byte[] seal(FieldRef ref, String text) {
        Keyring.DataKey key = keyring.currentDataKey(ref.projectId(), ref.namespace());
        return seal(ref, key.version(), key.key(), text);
    }

    static byte[] seal(FieldRef ref, int version, SecretKey key, String text) {
        byte[] nonce = new byte[12];
        RANDOM.nextBytes(nonce);
        byte[] plaintext = text.getBytes(StandardCharsets.UTF_8);
        try {
            Idle idle = CIPHERS.of(key);
            Cipher c = idle.take(key, Cipher.ENCRYPT_MODE, new GCMParameterSpec(128, nonce));
            c.updateAAD(aad(ref, version));
            byte[] out = new byte[HEADER + c.getOutputSize(plaintext.length)];
            ByteBuffer.wrap(out).put(SEALED_V2).putInt(version).put(nonce);
            c.doFinal(plaintext, 0, plaintext.length, out, HEADER);
            idle.give(c);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed", e);
        }
    }

    public String open(FieldRef ref, byte[] stored) {
        if (stored.length < HEADER + 16 || stored[0] != SEALED_V2) {
            throw unreadable(ref, "unknown format");
        }
        int version = ByteBuffer.wrap(stored, 1, 4).getInt();
        SecretKey key;
        try {
            key = keyring.dataKey(ref.projectId(), ref.namespace(), version);
        } catch (IllegalStateException e) {
            log.info(
                    "A stored value in {}.{} can't be opened: its data key is gone (shredded)",
                    ref.table(),
                    ref.column());
            return throwShredded(ref);
        }
        return open(ref, stored, version, key);
    }

    /** Opens a value in format {@code 0x02} whose header names {@code version}, under that version's key. */
    static String open(FieldRef ref, byte[] stored, int version, SecretKey key) {
        try {
            Idle idle = CIPHERS.of(key);
            Cipher c = idle.take(key, Cipher.DECRYPT_MODE, new GCMParameterSpec(128, stored, 5, 12));
            c.updateAAD(aad(ref, version));
            byte[] plaintext = c.doFinal(stored, HEADER, stored.length - HEADER);
            idle.give(c);
            return new String(plaintext, StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw unreadable(ref, "it failed its integrity check");
        }
    }

    /** The data key version a stored value was sealed under, or -1 when it is in no known format. */
    public static int version(byte[] stored) {
        return stored.length >= HEADER && stored[0] == SEALED_V2
                ? ByteBuffer.wrap(stored, 1, 4).getInt()
                : -1;
    }

    static byte[] aad(FieldRef ref, int version) {
        return ("colloquy/field/v2|" + ref.projectId() + "|" + ref.namespace() + "|" + ref.table() + "|" + ref.rowId()
                        + "|" + ref.column() + "|" + version)
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String throwShredded(FieldRef ref) {
        throw new StoredValueUnreadable(ref, true);
    }

    private static StoredValueUnreadable unreadable(FieldRef ref, String why) {
        log.error("Integrity error: a stored value in {}.{} does not open: {}", ref.table(), ref.column(), why);
        return new StoredValueUnreadable(ref, false);
    }

    /**
     * A stored value does not open: its key was destroyed (crypto-shredding), or it failed its integrity
     * check (an integrity error, answered as 500 INTERNAL).
     */
    public static final class StoredValueUnreadable extends RuntimeException {
        private final boolean shredded;

        StoredValueUnreadable(FieldRef ref, boolean shredded) {
            super("Stored value in " + ref.table() + "." + ref.column() + " is unreadable");
            this.shredded = shredded;
        }

        /** True when the value's key no longer exists (erased on purpose), false for tampering or corruption. */
        public boolean shredded() {
            return shredded;
        }
    }

    /**
     * Initialised AES-GCM ciphers, kept per key so that reading a page of fields neither looks up the
     * provider and parses the transformation ({@link Cipher#getInstance}) nor recomputes the AES key
     * schedule for every field: the JDK's AES skips the key schedule when re-initialised with the key
     * it already holds. Requests run on virtual threads (one per request), so ciphers are pooled, not
     * kept per thread. Keys are held weakly and by identity: the pool of a key the {@link Keyring} has
     * dropped goes with it. A cipher is initialised afresh on every {@link Idle#take} (new nonce, no
     * state left from an earlier use) and is given back only after its {@code doFinal} succeeded.
     */
    static final class GcmCiphers {
        private static final int IDLE_PER_KEY = 16;
        private final Cache<SecretKey, Idle> idle =
                Caffeine.newBuilder().weakKeys().maximumSize(10_000).build();

        /** The idle ciphers of {@code key}. */
        Idle of(SecretKey key) {
            return idle.get(key, k -> new Idle());
        }
    }

    /**
     * Ciphers that last worked under one key and are free to use. It holds no reference to its key (the
     * key would never become weakly reachable): callers pass it the key they got it {@link
     * GcmCiphers#of} for.
     */
    static final class Idle {
        private final Queue<Cipher> ciphers = new ArrayBlockingQueue<>(GcmCiphers.IDLE_PER_KEY);

        /** A cipher initialised for {@code mode} with {@code spec} under this pool's {@code key}. */
        Cipher take(SecretKey key, int mode, GCMParameterSpec spec) throws GeneralSecurityException {
            Cipher c = ciphers.poll();
            if (c == null) {
                c = Cipher.getInstance("AES/GCM/NoPadding");
            }
            c.init(mode, key, spec);
            return c;
        }

        /** Gives back a cipher whose last use completed; dropped when enough are idle already. */
        void give(Cipher c) {
            ciphers.offer(c);
        }

        int size() {
            return ciphers.size();
        }
    }
}
