package io.colloquy.audit;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Verifies a project's audit log from the outside: recomputes every event's data hash and leaf hash from
 * its JSON, checks that seqs run 1, 2, 3, ..., rebuilds the Merkle root, and checks it against a
 * checkpoint signed by a trusted Ed25519 key (and against an older checkpoint you kept, if any). With a
 * server at hand, a root that does not match is narrowed down to the first bad seq by binary search over
 * consistency proofs (each one verified here, so a lying server cannot make a bad log pass).
 */
final class LogVerifier {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HexFormat HEX = HexFormat.of();
    private static final int BATCH = 8192;
    private static final java.util.concurrent.Executor READER = java.util.concurrent.Executors.newThreadPerTaskExecutor(
            Thread.ofPlatform().daemon().factory());
    private static final java.util.Set<String> NOT_IN_LEAF = java.util.Set.of("data", "data_salt", "leaf_hash");

    private final byte[] trustedKey;

    LogVerifier(byte[] trustedKey) {
        this.trustedKey = trustedKey.clone();
    }

    /** Where the log comes from: an API (events, proofs) or a file (events only). */
    interface Source {
        /** JSON lines of the events with seq greater than {@code afterSeq}, ascending. */
        Iterator<byte[]> events(long afterSeq);

        /** Whether {@link #consistency} can be asked (an API) or not (a file). */
        boolean hasProofs();

        /** A consistency proof from the API (null when it cannot be had). */
        @Nullable
        JsonNode consistency(long fromSize, long toSize);

        /** An inclusion proof from the API (null when it cannot be had). */
        @Nullable
        JsonNode inclusion(long seq, long treeSize);
    }

    /** The verdict: {@code firstBadSeq} names the first event that is not what the checkpoint signed. */
    record Outcome(boolean ok, @Nullable Long firstBadSeq, String message, long events) {
        static Outcome bad(@Nullable Long seq, String message, long events) {
            return new Outcome(false, seq, message, events);
        }
    }

    /** A checkpoint as the API returns it, checked against the trusted key. */
    record Checkpoint(long size, byte[] root, String origin, String timestamp, String keyId) {}

    Checkpoint checkpoint(JsonNode json) {
        String note = json.path("note").asString("");
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(json.path("signature").asString(""));
        } catch (IllegalArgumentException e) {
            throw new VerificationFailed("the checkpoint's signature is not base64");
        }
        if (!SignedNote.verify(trustedKey, note, signature)) {
            throw new VerificationFailed("the checkpoint is not signed by the trusted key "
                    + SignedNote.keyId(trustedKey) + " (it names key "
                    + json.path("key_id").asString("?")
                    + ")");
        }
        SignedNote.Parsed parsed = SignedNote.parse(note);
        if (parsed == null) {
            throw new VerificationFailed("the signed checkpoint note is malformed");
        }
        if (json.path("tree_size").asLong(-1) != parsed.size()
                || !HEX.formatHex(parsed.root()).equals(json.path("root_hash").asString(""))) {
            throw new VerificationFailed("the checkpoint's tree_size or root_hash differ from its signed note");
        }
        return new Checkpoint(
                parsed.size(), parsed.root(), parsed.origin(), parsed.timestamp(), SignedNote.keyId(trustedKey));
    }

    /**
     * Verifies the whole log against {@code latest} (and {@code kept}, an older checkpoint, if given).
     * Events the source yields beyond the checkpoint are fetched again after it, so a log that grows
     * while it is being verified still verifies.
     */
    Outcome verify(Source source, Supplier<JsonNode> latestJson, @Nullable JsonNode keptJson) {
        Leaves leaves = new Leaves();
        String[] origin = {null};
        Bad bad = read(source.events(0), leaves, origin);
        Checkpoint latest;
        Checkpoint kept;
        try {
            latest = checkpoint(latestJson.get());
            kept = keptJson == null ? null : checkpoint(keptJson);
        } catch (VerificationFailed e) {
            return Outcome.bad(null, e.getMessage(), leaves.size());
        }
        if (origin[0] != null && !origin[0].equals(latest.origin())) {
            return Outcome.bad(null, "the checkpoint is of another log (" + latest.origin() + ")", leaves.size());
        }
        origin[0] = latest.origin();
        if (bad == null && leaves.size() < latest.size()) {
            bad = read(source.events(leaves.size()), leaves, origin);
        }
        long n = leaves.size();
        long size = latest.size();
        Tree tree = new Tree(leaves);
        if (n < size) {
            // Events 1..n look right one by one; are they the first n the checkpoint signed?
            if (source.hasProofs() && !consistent(source, tree, n, size, latest.root())) {
                return locate(source, tree, n, size, latest.root(), "the signed checkpoint", n);
            }
            return bad != null
                    ? Outcome.bad(bad.seq(), bad.reason(), n)
                    : Outcome.bad(
                            n + 1, "missing: the signed checkpoint covers " + size + " events, the log has " + n, n);
        }
        if (!Arrays.equals(tree.root(size), latest.root())) {
            return locate(source, tree, size, size, latest.root(), "the signed checkpoint", n);
        }
        if (n > size || bad != null) {
            return Outcome.bad(
                    size + 1,
                    "not covered by the signed checkpoint (tree size " + size + "): written around the sequencer",
                    n);
        }
        if (kept != null) {
            if (!kept.origin().equals(latest.origin())) {
                return Outcome.bad(null, "the kept checkpoint is of another log (" + kept.origin() + ")", n);
            }
            if (kept.size() > size) {
                return Outcome.bad(
                        size + 1,
                        "missing: a checkpoint you kept covers " + kept.size() + " events, the log now has " + size,
                        n);
            }
            if (!Arrays.equals(tree.root(kept.size()), kept.root())) {
                return locate(source, tree, kept.size(), kept.size(), kept.root(), "the checkpoint you kept", n);
            }
        }
        return new Outcome(
                true,
                null,
                n + " events verified; tree size " + size + ", root " + HEX.formatHex(latest.root())
                        + ", signed by key " + latest.keyId() + " at " + latest.timestamp(),
                n);
    }

    /**
     * Checks every event of a log (seqs dense from 1, data against data_hash, fields against leaf_hash) and that
     * its first {@code size} leaves have root {@code root}: a restored log against the tree head its backup recorded.
     */
    static Outcome verifyPrefix(Iterator<byte[]> lines, long size, byte[] root) {
        Leaves leaves = new Leaves();
        Bad bad = new LogVerifier(new byte[32]).read(lines, leaves, new String[] {null});
        long n = leaves.size();
        if (bad != null) {
            return Outcome.bad(bad.seq(), bad.reason(), n);
        }
        if (n < size) {
            return Outcome.bad(n + 1, "missing: the tree head covers " + size + " events, the log has " + n, n);
        }
        if (!Arrays.equals(new Tree(leaves).root(size), root)) {
            return Outcome.bad(null, "the first " + size + " events do not have the tree head's root", n);
        }
        return new Outcome(true, null, n + " events verified; the first " + size + " match the tree head", n);
    }

    /** The root of a tree of these leaf hashes. */
    static byte[] rootOf(List<byte[]> leafHashes) {
        Leaves leaves = new Leaves();
        leafHashes.forEach(leaves::add);
        return new Tree(leaves).root(leaves.size());
    }

    /**
     * The first seq where the log stops matching a trusted root of a tree of {@code size}, knowing that the
     * first {@code knownBad} local leaves already do not: binary search over consistency proofs.
     */
    private Outcome locate(
            Source source, Tree tree, long knownBad, long size, byte[] trustedRoot, String what, long events) {
        String reason = "the log differs from what " + what + " signed (tree size " + size + ")";
        if (!source.hasProofs()) {
            return Outcome.bad(null, reason + "; verify against the API to locate the first bad seq", events);
        }
        long good = 0;
        long badSize = knownBad;
        while (badSize - good > 1) {
            long mid = good + (badSize - good) / 2;
            if (consistent(source, tree, mid, size, trustedRoot)) {
                good = mid;
            } else {
                badSize = mid;
            }
        }
        if (good == 0 && !firstLeafDiffers(source, tree, size, trustedRoot)) {
            return Outcome.bad(
                    null,
                    reason + ": no prefix of the log can be proven to be what it signed, so history was rewritten"
                            + " together with the stored tree; compare with an older export to find the event",
                    events);
        }
        return Outcome.bad(
                badSize, reason + ": events 1.." + good + " are intact, event " + badSize + " is not", events);
    }

    /** True when the server proves a first leaf under the trusted root, and ours is not that leaf. */
    private static boolean firstLeafDiffers(Source source, Tree tree, long size, byte[] trustedRoot) {
        JsonNode proof = source.inclusion(1, size);
        if (proof == null || proof.path("leaf_index").asLong(-1) != 0) {
            return false;
        }
        byte[] leaf = parseHex(proof.path("leaf_hash").asString(""));
        List<byte[]> path = new ArrayList<>();
        for (JsonNode h : proof.path("proof").values()) {
            path.add(parseHex(h.asString("")));
        }
        return Merkle.verifyInclusion(0, size, leaf, path, trustedRoot) && !Arrays.equals(leaf, tree.get(0, 0));
    }

    private static boolean consistent(Source source, Tree tree, long from, long to, byte[] trustedRoot) {
        JsonNode proof = source.consistency(from, to);
        if (proof == null
                || proof.path("from_size").asLong(-1) != from
                || proof.path("to_size").asLong(-1) != to) {
            return false;
        }
        List<byte[]> path = new ArrayList<>();
        try {
            for (JsonNode h : proof.path("proof").values()) {
                path.add(HEX.parseHex(h.asString("")));
            }
        } catch (IllegalArgumentException e) {
            return false;
        }
        return Merkle.verifyConsistency(from, to, tree.root(from), trustedRoot, path);
    }

    private record Bad(long seq, String reason) {}

    /**
     * Reads lines, recomputing leaves in parallel batches; stops at the first bad event. {@code origin}
     * holds the log's origin, taken from the first event when not known yet.
     */
    private @Nullable Bad read(Iterator<byte[]> lines, Leaves leaves, String[] origin) {
        // The next batch is read while this one is checked: reading and hashing overlap.
        java.util.concurrent.CompletableFuture<List<byte[]>> next = nextBatch(lines);
        while (true) {
            List<byte[]> batch = next.join();
            if (batch.isEmpty()) {
                return null;
            }
            next = nextBatch(lines);
            if (origin[0] == null) {
                origin[0] = originOf(batch.getFirst());
            }
            long first = leaves.size() + 1;
            String expected = origin[0];
            Checked[] checked = new Checked[batch.size()];
            IntStream.range(0, batch.size())
                    .parallel()
                    .forEach(i -> checked[i] = check(batch.get(i), first + i, expected));
            for (Checked c : checked) {
                if (c.problem() != null) {
                    next.join();
                    return new Bad(leaves.size() + 1, c.problem());
                }
                leaves.add(c.leaf());
            }
        }
    }

    private static java.util.concurrent.CompletableFuture<List<byte[]>> nextBatch(Iterator<byte[]> lines) {
        return java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                    List<byte[]> batch = new ArrayList<>(BATCH);
                    while (lines.hasNext() && batch.size() < BATCH) {
                        batch.add(lines.next());
                    }
                    return batch;
                },
                READER);
    }

    private record Checked(byte @Nullable [] leaf, @Nullable String problem) {}

    private static String originOf(byte[] line) {
        try {
            return SignedNote.origin(JSON.readTree(line).path("project_id").asString(""));
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** Checks one event line; {@code expectedSeq} is its position. */
    static Checked check(byte[] line, long expectedSeq, String origin) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (RuntimeException e) {
            return new Checked(null, "not a JSON event");
        }
        if (!(node instanceof ObjectNode event)) {
            return new Checked(null, "not a JSON event");
        }
        long seq = event.path("seq").asLong(-1);
        if (seq != expectedSeq) {
            return new Checked(null, "expected seq " + expectedSeq + " here, found " + event.path("seq"));
        }
        if (!origin.equals(SignedNote.origin(event.path("project_id").asString("")))) {
            return new Checked(null, "belongs to another project's log");
        }
        JsonNode data = event.path("data");
        String dataHash = event.path("data_hash").isNull()
                ? null
                : event.path("data_hash").asString(null);
        String claimed = event.path("leaf_hash").asString("");
        byte[] leaf;
        try {
            if (!data.isMissingNode() && !data.isNull()) {
                JsonNode salt = event.path("data_salt");
                byte[] saltBytes = salt.isMissingNode() || salt.isNull() ? null : parseHex(salt.asString(""));
                if (dataHash == null
                        || !HEX.formatHex(SaltedData.dataHash(saltBytes, data)).equals(dataHash)) {
                    return new Checked(null, "its data does not match its data_hash");
                }
            }
            MessageDigest sha = Merkle.sha256();
            sha.update((byte) 0x00);
            Jcs.digest(sha, event, NOT_IN_LEAF);
            leaf = sha.digest();
        } catch (IllegalArgumentException e) {
            return new Checked(null, "it cannot be canonicalized: " + e.getMessage());
        }
        if (!HEX.formatHex(leaf).equals(claimed)) {
            return new Checked(null, "its fields do not match its leaf_hash");
        }
        return new Checked(leaf, null);
    }

    private static byte[] parseHex(String hex) {
        try {
            return HEX.parseHex(hex);
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }

    /** The verification failed for a reason that concerns no particular event. */
    static final class VerificationFailed extends RuntimeException {
        VerificationFailed(String message) {
            super(message);
        }
    }

    /** Leaf hashes, 32 bytes each, in one growing array. */
    static final class Leaves {
        private byte[] bytes = new byte[Merkle.HASH_BYTES * 1024];
        private int count;

        void add(byte @Nullable [] leaf) {
            if (leaf == null) {
                throw new IllegalArgumentException("no leaf");
            }
            if ((count + 1) * Merkle.HASH_BYTES > bytes.length) {
                bytes = Arrays.copyOf(bytes, bytes.length * 2);
            }
            System.arraycopy(leaf, 0, bytes, count * Merkle.HASH_BYTES, Merkle.HASH_BYTES);
            count++;
        }

        int size() {
            return count;
        }

        byte[] get(long index) {
            int at = Math.toIntExact(index) * Merkle.HASH_BYTES;
            return Arrays.copyOfRange(bytes, at, at + Merkle.HASH_BYTES);
        }
    }

    /** Every complete subtree of the leaves, so the root of any prefix takes O(log n). */
    static final class Tree implements Merkle.Nodes {
        private final List<byte[][]> levels = new ArrayList<>();

        Tree(Leaves leaves) {
            byte[][] level = new byte[leaves.size()][];
            for (int i = 0; i < level.length; i++) {
                level[i] = leaves.get(i);
            }
            levels.add(level);
            while (level.length > 1) {
                byte[][] up = new byte[level.length / 2][];
                byte[][] below = level;
                IntStream.range(0, up.length)
                        .parallel()
                        .forEach(i -> up[i] = Merkle.nodeHash(below[2 * i], below[2 * i + 1]));
                levels.add(up);
                level = up;
            }
        }

        @Override
        public byte[] get(int level, long index) {
            return levels.get(level)[Math.toIntExact(index)];
        }

        byte[] root(long size) {
            return Merkle.root(size, this);
        }
    }
}
