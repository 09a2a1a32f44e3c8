package io.colloquy.audit;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * RFC 6962 / RFC 9162 Merkle trees: leaf hash {@code SHA-256(0x00 || leaf)}, node hash
 * {@code SHA-256(0x01 || left || right)}, the empty tree's hash {@code SHA-256("")}.
 *
 * <p>Trees are read through {@link Nodes}: the hashes of complete ("perfect") subtrees, where node
 * {@code (level, index)} covers leaves {@code [index * 2^level, (index + 1) * 2^level)}. Every range
 * the RFC's recursive definitions split a tree into is a run of such subtrees, so a root, an audit path
 * or a consistency proof needs only O(log n) stored hashes. {@link #needed} tells which, so a store can
 * fetch them all in one read.
 */
final class Merkle {
    static final int HASH_BYTES = 32;

    private Merkle() {}

    /** Hashes of complete subtrees. */
    interface Nodes {
        byte[] get(int level, long index);
    }

    /** A complete subtree. */
    record Coord(int level, long index) {}

    static byte[] leafHash(byte[] leaf) {
        MessageDigest sha = sha256();
        sha.update((byte) 0x00);
        return sha.digest(leaf);
    }

    static byte[] nodeHash(byte[] left, byte[] right) {
        MessageDigest sha = sha256();
        sha.update((byte) 0x01);
        sha.update(left);
        return sha.digest(right);
    }

    static byte[] emptyRoot() {
        return sha256().digest();
    }

    /** MTH(D[0:size]). */
    static byte[] root(long size, Nodes nodes) {
        return size == 0 ? emptyRoot() : hash(0, size, nodes);
    }

    /** RFC 9162 2.1.3.1 PATH(index, D[0:size]), the audit path of one leaf. */
    static List<byte[]> inclusionProof(long index, long size, Nodes nodes) {
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("leaf index " + index + " is outside a tree of size " + size);
        }
        List<byte[]> proof = new ArrayList<>();
        path(index, 0, size, nodes, proof);
        return proof;
    }

    /** RFC 9162 2.1.4.1 PROOF(from, D[0:to]); empty when from is 0 or equals to. */
    static List<byte[]> consistencyProof(long from, long to, Nodes nodes) {
        if (from < 0 || from > to) {
            throw new IllegalArgumentException("sizes must satisfy 0 <= from <= to");
        }
        List<byte[]> proof = new ArrayList<>();
        if (from > 0 && from < to) {
            subproof(from, 0, to, true, nodes, proof);
        }
        return proof;
    }

    /** The complete subtrees a computation reads, found by running it against placeholder hashes. */
    static Set<Coord> needed(java.util.function.Consumer<Nodes> computation) {
        Set<Coord> coords = new LinkedHashSet<>();
        byte[] placeholder = new byte[HASH_BYTES];
        computation.accept((level, index) -> {
            coords.add(new Coord(level, index));
            return placeholder;
        });
        return coords;
    }

    /** The complete subtrees that make up a tree of {@code size} leaves, largest first. */
    static List<Coord> frontier(long size) {
        List<Coord> out = new ArrayList<>();
        long start = 0;
        for (int level = 62; level >= 0; level--) {
            if ((size & (1L << level)) != 0) {
                out.add(new Coord(level, start >> level));
                start += 1L << level;
            }
        }
        return out;
    }

    /**
     * Appends leaves to a tree of {@code size} leaves whose {@link #frontier} hashes are given; returns
     * every complete subtree the new leaves create (the leaves themselves at level 0 included).
     */
    static Map<Coord, byte[]> append(long size, Map<Coord, byte[]> frontier, List<byte[]> leafHashes) {
        Map<Coord, byte[]> known = new HashMap<>(frontier);
        Map<Coord, byte[]> created = new java.util.LinkedHashMap<>();
        for (int i = 0; i < leafHashes.size(); i++) {
            long index = size + i;
            int level = 0;
            byte[] hash = leafHashes.get(i);
            Coord at = new Coord(0, index);
            known.put(at, hash);
            created.put(at, hash);
            while ((index & 1) == 1) {
                byte[] left = known.get(new Coord(level, index - 1));
                if (left == null) {
                    throw new IllegalStateException("missing frontier node " + level + "/" + (index - 1));
                }
                hash = nodeHash(left, hash);
                level++;
                index >>= 1;
                at = new Coord(level, index);
                known.put(at, hash);
                created.put(at, hash);
            }
        }
        return created;
    }

    /** RFC 9162 2.1.3.2: does the audit path lead from the leaf hash to the root? */
    static boolean verifyInclusion(long index, long size, byte[] leafHash, List<byte[]> proof, byte[] root) {
        if (index < 0 || index >= size) {
            return false;
        }
        long fn = index;
        long sn = size - 1;
        byte[] r = leafHash;
        for (byte[] p : proof) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = nodeHash(p, r);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                r = nodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && MessageDigest.isEqual(r, root);
    }

    /** RFC 9162 2.1.4.2: is the tree with root {@code toRoot} an extension of the one with {@code fromRoot}? */
    static boolean verifyConsistency(long from, long to, byte[] fromRoot, byte[] toRoot, List<byte[]> proof) {
        if (from < 0 || from > to) {
            return false;
        }
        if (from == 0) {
            return proof.isEmpty();
        }
        if (from == to) {
            return proof.isEmpty() && MessageDigest.isEqual(fromRoot, toRoot);
        }
        if (proof.isEmpty()) {
            return false;
        }
        List<byte[]> path = new ArrayList<>(proof);
        if (Long.bitCount(from) == 1) {
            path.addFirst(fromRoot);
        }
        long fn = from - 1;
        long sn = to - 1;
        while ((fn & 1) == 1) {
            fn >>= 1;
            sn >>= 1;
        }
        byte[] fr = path.getFirst();
        byte[] sr = path.getFirst();
        for (byte[] c : path.subList(1, path.size())) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = nodeHash(c, fr);
                sr = nodeHash(c, sr);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                sr = nodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && MessageDigest.isEqual(fr, fromRoot) && MessageDigest.isEqual(sr, toRoot);
    }

    /** MTH(D[start:end]) for a range that starts on a multiple of the largest power of two below its size. */
    private static byte[] hash(long start, long end, Nodes nodes) {
        long n = end - start;
        if (Long.bitCount(n) == 1) {
            if (start % n != 0) {
                throw new IllegalStateException("unaligned subtree " + start + ".." + end);
            }
            return nodes.get(Long.numberOfTrailingZeros(n), start / n);
        }
        long k = Long.highestOneBit(n);
        return nodeHash(hash(start, start + k, nodes), hash(start + k, end, nodes));
    }

    private static void path(long m, long start, long end, Nodes nodes, List<byte[]> out) {
        long n = end - start;
        if (n == 1) {
            return;
        }
        long k = largestPowerOfTwoBelow(n);
        if (m < start + k) {
            path(m, start, start + k, nodes, out);
            out.add(hash(start + k, end, nodes));
        } else {
            path(m, start + k, end, nodes, out);
            out.add(hash(start, start + k, nodes));
        }
    }

    private static void subproof(long m, long start, long end, boolean fromOld, Nodes nodes, List<byte[]> out) {
        long n = end - start;
        if (m == n) {
            if (!fromOld) {
                out.add(hash(start, end, nodes));
            }
            return;
        }
        long k = largestPowerOfTwoBelow(n);
        if (m <= k) {
            subproof(m, start, start + k, fromOld, nodes, out);
            out.add(hash(start + k, end, nodes));
        } else {
            subproof(m - k, start + k, end, false, nodes, out);
            out.add(hash(start, start + k, nodes));
        }
    }

    /** The largest power of two strictly below n (n >= 2). */
    static long largestPowerOfTwoBelow(long n) {
        return Long.highestOneBit(n - 1);
    }

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    });

    /** This thread's SHA-256 (a digest resets itself after {@code digest()}). */
    static MessageDigest sha256() {
        MessageDigest sha = SHA256.get();
        sha.reset();
        return sha;
    }
}
