package io.colloquy.crypto;

/**
 * A KEK provider whose master key {@code ./colloquy keys rotate-master} rotates: a next master key is
 * made, every project key is rewrapped under it, it becomes current, and the old one is kept (so
 * everything wrapped under it still unwraps) until the operator removes it. Every step is safe to run
 * again after an interruption.
 */
interface MasterKeyRotation {
    /** Starts (or resumes) a rotation: the id of the next master key, made if needed. */
    String prepareRotation();

    /** Rewraps one wrapped key under the next master key (unchanged if it already is). */
    KeyEncryptionKeyProvider.Wrapped rewrapToNext(String kekId, byte[] wrapped, Aad context);

    /** Makes the next master key current; says where the old one is kept (to remove when ready). */
    String finishRotation();

    /** Rewraps one wrapped key under the current master key (unchanged if it already is). */
    KeyEncryptionKeyProvider.Wrapped rewrapToCurrent(String kekId, byte[] wrapped, Aad context);

    /** The id of the master key new keys are wrapped under. */
    String currentId();
}
