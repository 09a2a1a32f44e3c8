package io.colloquy.audit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The audit log's proofs, checked from outside the server (by {@code ./colloquy evidence}): a checkpoint's Ed25519
 * signature, a whole log against its latest checkpoint and an older one kept by the caller, an RFC 9162
 * consistency proof between two checkpoints, an inclusion proof of one event. Everything here trusts only the public
 * key it is given; the answers of the server are checked, never believed.
 */
public final class LogProofs {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HexFormat HEX = HexFormat.of();

    private LogProofs() {}

    /** A GET against the API: the body of a 200, or null for any other answer. */
    @FunctionalInterface
    public interface Fetch {
        @Nullable
        String get(String path);
    }

    /** A checkpoint whose signature verified under the trusted key. */
    public record Checkpoint(long treeSize, String rootHash, String origin, String timestamp, String keyId) {}

    /** The verdict on a log; {@code firstBadSeq} names the first event that is not what was signed. */
    public record Verdict(
            boolean ok,
            @Nullable Long firstBadSeq,
            String message,
            long events,
            @Nullable String checkpoint) {}

    /** The checkpoint JSON of the API, checked against the trusted key; throws with the reason when it is not. */
    public static Checkpoint checkpoint(byte[] trustedKey, String json) {
        try {
            LogVerifier.Checkpoint c = new LogVerifier(trustedKey).checkpoint(JSON.readTree(json));
            return new Checkpoint(c.size(), HEX.formatHex(c.root()), c.origin(), c.timestamp(), c.keyId());
        } catch (LogVerifier.VerificationFailed e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /** The key id of a raw Ed25519 public key, as the server names it. */
    public static String keyId(byte[] rawPublicKey) {
        return SignedNote.keyId(rawPublicKey);
    }

    /**
     * Every event of the log fetched and checked (seqs, data and leaf hashes), its root against the latest signed
     * checkpoint and, when given, the first {@code kept} events against a checkpoint kept from earlier.
     */
    public static Verdict verifyLog(byte[] trustedKey, Fetch api, @Nullable String keptJson) {
        LogVerifier verifier = new LogVerifier(trustedKey);
        String[] latestText = {null};
        LogVerifier.Outcome outcome;
        try {
            outcome = verifier.verify(
                    new LogVerifier.Source() {
                        @Override
                        public Iterator<byte[]> events(long afterSeq) {
                            String body = api.get("/v1/audit/events?format=jsonl&after_seq=" + afterSeq);
                            if (body == null) {
                                throw new LogVerifier.VerificationFailed("the server did not return its events");
                            }
                            return body.lines()
                                    .filter(l -> !l.isBlank())
                                    .map(l -> l.getBytes(StandardCharsets.UTF_8))
                                    .iterator();
                        }

                        @Override
                        public boolean hasProofs() {
                            return true;
                        }

                        @Override
                        public @Nullable JsonNode consistency(long fromSize, long toSize) {
                            return json(api.get("/v1/audit/consistency?from_size=" + fromSize + "&to_size=" + toSize));
                        }

                        @Override
                        public @Nullable JsonNode inclusion(long seq, long treeSize) {
                            return json(api.get("/v1/audit/events/" + seq + "/proof?tree_size=" + treeSize));
                        }
                    },
                    () -> {
                        latestText[0] = api.get("/v1/audit/checkpoint");
                        if (latestText[0] == null) {
                            throw new LogVerifier.VerificationFailed("the server did not return a checkpoint");
                        }
                        return JSON.readTree(latestText[0]);
                    },
                    keptJson == null ? null : JSON.readTree(keptJson));
        } catch (RuntimeException e) {
            return new Verdict(false, null, "the log could not be read: " + e.getMessage(), 0, null);
        }
        return new Verdict(outcome.ok(), outcome.firstBadSeq(), outcome.message(), outcome.events(), latestText[0]);
    }

    /** Whether the RFC 9162 consistency proof (API JSON) shows {@code newer} to extend {@code older}. */
    public static boolean consistent(Checkpoint older, Checkpoint newer, String proofJson) {
        JsonNode proof = JSON.readTree(proofJson);
        if (proof.path("from_size").asLong(-1) != older.treeSize()
                || proof.path("to_size").asLong(-1) != newer.treeSize()) {
            return false;
        }
        try {
            return Merkle.verifyConsistency(
                    older.treeSize(),
                    newer.treeSize(),
                    HEX.parseHex(older.rootHash()),
                    HEX.parseHex(newer.rootHash()),
                    hashes(proof));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether the inclusion proof (API JSON) leads from event {@code seq}'s leaf hash to the checkpoint's root. */
    public static boolean included(long seq, String leafHashHex, Checkpoint checkpoint, String proofJson) {
        JsonNode proof = JSON.readTree(proofJson);
        try {
            return proof.path("tree_size").asLong(-1) == checkpoint.treeSize()
                    && Merkle.verifyInclusion(
                            seq - 1,
                            checkpoint.treeSize(),
                            HEX.parseHex(leafHashHex),
                            hashes(proof),
                            HEX.parseHex(checkpoint.rootHash()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static List<byte[]> hashes(JsonNode proof) {
        List<byte[]> path = new ArrayList<>();
        for (JsonNode h : proof.path("proof").values()) {
            path.add(HEX.parseHex(h.asString("")));
        }
        return path;
    }

    private static @Nullable JsonNode json(@Nullable String body) {
        return body == null ? null : JSON.readTree(body);
    }
}
