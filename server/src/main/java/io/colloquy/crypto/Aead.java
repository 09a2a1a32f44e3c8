package io.colloquy.crypto;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The one AES-256-GCM codec (JDK only): {@code sealed = header || nonce (12 random bytes) || ciphertext ||
 * tag (16)}. The header (a format byte, and e.g. a key version) is the caller's and is not encrypted:
 * callers bind what matters of it through the associated data. Every use of AES-GCM in the server goes
 * through here: field values ({@link StoredValues}) and wrapped keys ({@link Keyring}, {@link
 * LocalMasterKey}).
 */
final class Aead {
    static final int NONCE_BYTES = 12;
    static final int TAG_BYTES = 16;
    private static final int TAG_BITS = TAG_BYTES * 8;
    private static final SecureRandom RANDOM = new SecureRandom();
    static final GcmCiphers CIPHERS = new GcmCiphers();

    private Aead() {}

    /** {@code header || nonce || AES-GCM(key, plaintext, aad)}, with a fresh random nonce. */
    static byte[] seal(SecretKey key, byte[] header, byte[] aad, byte[] plaintext) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Idle idle = CIPHERS.of(key);
            Cipher c = idle.take(key, Cipher.ENCRYPT_MODE, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad);
            int body = header.length + NONCE_BYTES;
            byte[] out = new byte[body + c.getOutputSize(plaintext.length)];
            System.arraycopy(header, 0, out, 0, header.length);
            System.arraycopy(nonce, 0, out, header.length, NONCE_BYTES);
            c.doFinal(plaintext, 0, plaintext.length, out, body);
            idle.give(c);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable", e);
        }
    }

    /**
     * Opens what {@link #seal} made with a header of {@code headerLength} bytes. Throws when the bytes,
     * the key or the aad differ from the sealing ones (or the value is too short to be sealed).
     */
    static byte[] open(SecretKey key, byte[] sealed, int headerLength, byte[] aad) throws GeneralSecurityException {
        int body = headerLength + NONCE_BYTES;
        if (sealed.length < body + TAG_BYTES) {
            throw new GeneralSecurityException("Too short to be a sealed value");
        }
        Idle idle = CIPHERS.of(key);
        Cipher c =
                idle.take(key, Cipher.DECRYPT_MODE, new GCMParameterSpec(TAG_BITS, sealed, headerLength, NONCE_BYTES));
        c.updateAAD(aad);
        byte[] plaintext = c.doFinal(sealed, body, sealed.length - body);
        idle.give(c);
        return plaintext;
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
