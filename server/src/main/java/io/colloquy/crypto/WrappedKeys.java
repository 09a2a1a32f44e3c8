package io.colloquy.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.SecretKey;

/**
 * A key sealed under another ({@link Aead}): {@code format || nonce (12) || ciphertext+tag}, bound to its
 * context. Format {@code 0x02} binds the context {@link Aad#encoded() length-prefixed} (every new wrap);
 * format {@code 0x01}, made before, bound it {@link Aad#joined() joined with '|'} and still unwraps until
 * a rotation (project keys: a master key rotation) wraps the key again.
 */
final class WrappedKeys {
    static final byte JOINED_CONTEXT = 0x01;
    static final byte PREFIXED_CONTEXT = 0x02;

    private WrappedKeys() {}

    static byte[] wrap(SecretKey wrapping, byte[] key, Aad context) {
        return Aead.seal(wrapping, new byte[] {PREFIXED_CONTEXT}, context.encoded(), key);
    }

    /** The key, or an {@link IntegrityError} (logged at ERROR) when the bytes, the wrapping key or the context differ. */
    static byte[] unwrap(SecretKey wrapping, byte[] wrapped, Aad context) {
        byte[] aad;
        if (wrapped.length > 0 && wrapped[0] == PREFIXED_CONTEXT) {
            aad = context.encoded();
        } else if (wrapped.length > 0 && wrapped[0] == JOINED_CONTEXT) {
            aad = context.joined();
        } else {
            throw IntegrityError.of("a wrapped key", "unknown format");
        }
        try {
            return Aead.open(wrapping, wrapped, 1, aad);
        } catch (GeneralSecurityException e) {
            throw IntegrityError.of(
                    "a wrapped key", "it failed its integrity check (altered, or wrapped under another key)");
        }
    }

    /** The format a wrapped key is in (its first byte). */
    static int format(byte[] wrapped) {
        return wrapped.length == 0 ? -1 : wrapped[0];
    }
}
