package io.colloquy.crypto;

/**
 * The top of the key hierarchy: wraps and unwraps project keys. The built-in provider keeps the
 * master key on the server ({@code COLLOQUY_MASTER_KEY} or a 0600 key file); an external KMS plugs in
 * by providing another bean of this type. {@code context} is bound to the wrapped key (as AAD, {@link
 * Aad#encoded()}, or the KMS's encryption context) so a wrapped key copied to another project does not unwrap.
 */
public interface KeyEncryptionKeyProvider {
    /** A wrapped key and the id of the KEK (and its version) that wrapped it, stored beside it. */
    record Wrapped(String kekId, byte[] bytes) {}

    /** Wraps under the current KEK. */
    Wrapped wrap(byte[] key, Aad context);

    /**
     * Unwraps with the KEK named by {@code kekId}; an {@link IntegrityError} (logged at ERROR) when the
     * wrapped key was altered or that KEK is unknown: never a "gone" key.
     */
    byte[] unwrap(String kekId, byte[] wrapped, Aad context);
}
