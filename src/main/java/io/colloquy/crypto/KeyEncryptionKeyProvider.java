package io.colloquy.crypto;

/**
 * The top of the key hierarchy: wraps and unwraps project keys. The built-in provider keeps the
 * master key on the server ({@code COLLOQUY_MASTER_KEY} or a 0600 key file); an external KMS plugs in
 * by providing another bean of this type. {@code context} is bound to the wrapped key (as AAD or the
 * KMS's encryption context) so a wrapped key copied to another project does not unwrap.
 */
public interface KeyEncryptionKeyProvider {
    /** Identifies the KEK (and its version) a key was wrapped with, stored beside the wrapped key. */
    String id();

    byte[] wrap(byte[] key, byte[] context);

    /** Throws {@link IllegalStateException} when the wrapped key or its context was altered. */
    byte[] unwrap(byte[] wrapped, byte[] context);
}
