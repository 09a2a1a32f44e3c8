package io.colloquy.crypto;

import java.util.UUID;

/**
 * A feature that stores values sealed under namespace data keys (dialogues and messages, memories,
 * audit event data). Re-encryption iterates over every bean of this type instead of knowing each one.
 */
public interface SealedContent {
    /**
     * Seals again, under the namespace's current data key (and the current format), up to {@code limit}
     * values of namespace {@code ns} ({@code ""} = project level) sealed under a data key version other
     * than {@code current}, in the caller's project-wide tenant transaction. Returns how many rows it
     * rewrote, or -1 while such values exist that it cannot reach yet (try again later; the older key
     * version must not be destroyed meanwhile).
     */
    int resealOlderValues(UUID project, String ns, int current, int limit);
}
