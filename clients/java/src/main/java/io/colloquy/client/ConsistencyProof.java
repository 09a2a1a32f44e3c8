package io.colloquy.client;

import java.util.List;

/**
 * An RFC 9162 consistency proof between two sizes of the log.
 *
 * @param fromSize the older size
 * @param toSize the newer size
 * @param fromRootHash the older root (hex)
 * @param toRootHash the newer root (hex)
 * @param proof the proof (hex)
 */
public record ConsistencyProof(
        long fromSize, long toSize, String fromRootHash, String toRootHash, List<String> proof) {}
