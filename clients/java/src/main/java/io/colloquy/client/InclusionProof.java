package io.colloquy.client;

import java.util.List;

/**
 * An RFC 9162 inclusion proof of one event.
 *
 * @param seq the event's seq
 * @param leafIndex {@code seq - 1}
 * @param treeSize the size of the tree it proves against
 * @param leafHash the event's leaf hash (hex)
 * @param rootHash that tree's root (hex)
 * @param proof the audit path (hex)
 */
public record InclusionProof(
        long seq, long leafIndex, long treeSize, String leafHash, String rootHash, List<String> proof) {}
