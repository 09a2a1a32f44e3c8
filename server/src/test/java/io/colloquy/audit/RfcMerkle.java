package io.colloquy.audit;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 6962 section 2.1 written out as plainly as the RFC states it, over a list of leaf hashes, with no
 * stored subtrees and no cleverness: the independent reference the production Merkle code is tested against.
 */
final class RfcMerkle {
    private RfcMerkle() {}

    static byte[] leaf(byte[] data) {
        return sha(new byte[] {0}, data);
    }

    /** MTH(D[n]) over leaf hashes. */
    static byte[] mth(List<byte[]> leafHashes) {
        int n = leafHashes.size();
        if (n == 0) {
            return sha();
        }
        if (n == 1) {
            return leafHashes.getFirst();
        }
        int k = k(n);
        return sha(new byte[] {1}, mth(leafHashes.subList(0, k)), mth(leafHashes.subList(k, n)));
    }

    /** PATH(m, D[n]). */
    static List<byte[]> path(int m, List<byte[]> d) {
        int n = d.size();
        List<byte[]> out = new ArrayList<>();
        if (n <= 1) {
            return out;
        }
        int k = k(n);
        if (m < k) {
            out.addAll(path(m, d.subList(0, k)));
            out.add(mth(d.subList(k, n)));
        } else {
            out.addAll(path(m - k, d.subList(k, n)));
            out.add(mth(d.subList(0, k)));
        }
        return out;
    }

    /** PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
    static List<byte[]> proof(int m, List<byte[]> d) {
        return m == 0 || m == d.size() ? List.of() : subproof(m, d, true);
    }

    private static List<byte[]> subproof(int m, List<byte[]> d, boolean b) {
        int n = d.size();
        List<byte[]> out = new ArrayList<>();
        if (m == n) {
            if (!b) {
                out.add(mth(d));
            }
            return out;
        }
        int k = k(n);
        if (m <= k) {
            out.addAll(subproof(m, d.subList(0, k), b));
            out.add(mth(d.subList(k, n)));
        } else {
            out.addAll(subproof(m - k, d.subList(k, n), false));
            out.add(mth(d.subList(0, k)));
        }
        return out;
    }

    /** Rebuilds the root from a leaf and its audit path by following PATH's recursion back up. */
    static byte[] rootFromPath(int m, int n, byte[] leaf, List<byte[]> path) {
        if (n == 1) {
            return leaf;
        }
        int k = k(n);
        byte[] last = path.getLast();
        List<byte[]> rest = path.subList(0, path.size() - 1);
        if (m < k) {
            return sha(new byte[] {1}, rootFromPath(m, k, leaf, rest), last);
        }
        return sha(new byte[] {1}, last, rootFromPath(m - k, n - k, leaf, rest));
    }

    /** The largest power of two smaller than n. */
    private static int k(int n) {
        int k = 1;
        while (k * 2 < n) {
            k *= 2;
        }
        return k;
    }

    private static byte[] sha(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                md.update(p);
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
