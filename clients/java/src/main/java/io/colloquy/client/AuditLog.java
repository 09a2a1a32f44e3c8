package io.colloquy.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The project's audit log (admin key). Checkpoints are verified here, never taken on trust: the Ed25519 signature
 * over the note (with the pinned key, or the server's key fetched once), the note's size and root against the
 * answer's, and — against the last checkpoint this client verified — an RFC 9162 consistency proof, so a server that
 * rewrote or dropped history is refused with {@link ColloquyException.AuditVerificationFailed}. Inclusion proofs are
 * checked against a verified checkpoint, with the event's leaf hash computed here from the event.
 */
public final class AuditLog {
    private static final byte[] ED25519_X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private final Transport transport;
    private PublicKey publicKey;
    private Checkpoint lastVerified;

    AuditLog(Transport transport, String pinnedPublicKey) {
        this.transport = transport;
        this.publicKey =
                pinnedPublicKey == null ? null : ed25519(Base64.getDecoder().decode(pinnedPublicKey));
    }

    /** Every event after {@code afterSeq}, ascending, fetched page by page as the stream is consumed. */
    public Stream<AuditEvent> events(long afterSeq) {
        return Paging.stream(cursor -> {
            JsonNode page = transport.get(
                    "/v1/audit/events?limit=200&after_seq=" + afterSeq
                            + (cursor == null ? "" : "&cursor=" + NamespaceClient.query(cursor)),
                    JsonNode.class);
            List<AuditEvent> events = new java.util.ArrayList<>();
            page.path("data").forEach(e -> events.add(AuditEvent.of(e)));
            JsonNode next = page.get("next_cursor");
            return new Page<>(events, next == null || next.isNull() ? null : next.asText());
        });
    }

    /**
     * Opens the live audit stream (WebSocket) from after {@code afterSeq} (-1: only new events); it reconnects by
     * itself after a dropped connection and resumes after the last event it delivered, so {@code listener} sees every
     * event once, in seq order. Close the answer to stop.
     */
    public AuditStream stream(long afterSeq, AuditStream.Listener listener) {
        return AuditStream.open(transport, afterSeq, listener);
    }

    /**
     * Fetches the current signed checkpoint and verifies it: its signature, and its consistency with the last
     * checkpoint this client verified (if any), which it then replaces.
     *
     * @throws ColloquyException.AuditVerificationFailed when any of that does not hold
     */
    public synchronized Checkpoint checkpoint() {
        Checkpoint next = transport.get("/v1/audit/checkpoint", Checkpoint.class);
        verifySignature(next);
        if (lastVerified != null) {
            verifyExtends(lastVerified, next);
        }
        lastVerified = next;
        return next;
    }

    /** The last checkpoint this client verified, or null; persist it to carry the check across restarts. */
    public synchronized Checkpoint lastVerifiedCheckpoint() {
        return lastVerified;
    }

    /**
     * Starts from a checkpoint verified earlier (persisted by the application): its signature is checked, and every
     * later checkpoint must be consistent with it.
     */
    public synchronized void trust(Checkpoint checkpoint) {
        verifySignature(checkpoint);
        lastVerified = checkpoint;
    }

    /**
     * Proves that {@code event} is in the log as it is: computes its leaf hash here, fetches its inclusion proof
     * against a freshly verified checkpoint and checks the proof leads to that checkpoint's root.
     *
     * @return the checkpoint the event was proven against
     * @throws ColloquyException.AuditVerificationFailed when the event or the proof does not verify
     */
    public Checkpoint verifyInclusion(AuditEvent event) {
        String computed = event.computeLeafHash();
        if (!computed.equals(event.leafHash())) {
            throw new ColloquyException.AuditVerificationFailed(
                    "event " + event.seq() + " does not hash to its leaf hash: it was altered");
        }
        Checkpoint checkpoint = checkpoint();
        InclusionProof proof = inclusionProof(event.seq(), checkpoint.treeSize());
        verify(proof, computed, checkpoint);
        return checkpoint;
    }

    /** The inclusion proof of the event {@code seq} in the tree of {@code treeSize} events, as the server sends it. */
    public InclusionProof inclusionProof(long seq, long treeSize) {
        return transport.get("/v1/audit/events/" + seq + "/proof?tree_size=" + treeSize, InclusionProof.class);
    }

    /** The consistency proof between two sizes of the log, as the server sends it. */
    public ConsistencyProof consistencyProof(long fromSize, long toSize) {
        return transport.get(
                "/v1/audit/consistency?from_size=" + fromSize + "&to_size=" + toSize, ConsistencyProof.class);
    }

    /**
     * Checks an inclusion proof of the leaf {@code leafHash} (hex) against a verified checkpoint.
     *
     * @throws ColloquyException.AuditVerificationFailed when it does not lead to the checkpoint's root
     */
    public static void verify(InclusionProof proof, String leafHash, Checkpoint checkpoint) {
        if (proof.treeSize() != checkpoint.treeSize()
                || !Merkle.verifyInclusion(
                        proof.seq() - 1,
                        checkpoint.treeSize(),
                        Merkle.unhex(leafHash),
                        Merkle.unhex(proof.proof()),
                        Merkle.unhex(checkpoint.rootHash()))) {
            throw new ColloquyException.AuditVerificationFailed("the inclusion proof of event " + proof.seq()
                    + " does not lead to the root of the checkpoint of size " + checkpoint.treeSize());
        }
    }

    private void verifyExtends(Checkpoint old, Checkpoint next) {
        if (!old.origin().equals(next.origin())) {
            throw new ColloquyException.AuditVerificationFailed(
                    "the checkpoint is of another log: " + next.origin() + ", not " + old.origin());
        }
        if (next.treeSize() < old.treeSize()) {
            throw new ColloquyException.AuditVerificationFailed("the log shrank from " + old.treeSize() + " to "
                    + next.treeSize() + " events: the server dropped history");
        }
        List<byte[]> proof = next.treeSize() == old.treeSize()
                ? List.of()
                : Merkle.unhex(consistencyProof(old.treeSize(), next.treeSize()).proof());
        if (!Merkle.verifyConsistency(
                old.treeSize(), next.treeSize(), proof, Merkle.unhex(old.rootHash()), Merkle.unhex(next.rootHash()))) {
            throw new ColloquyException.AuditVerificationFailed("the checkpoint of size " + next.treeSize()
                    + " is not consistent with the verified checkpoint of size " + old.treeSize()
                    + ": the server rewrote history");
        }
    }

    private void verifySignature(Checkpoint c) {
        PublicKey key = publicKey();
        boolean valid;
        try {
            Signature ed = Signature.getInstance("Ed25519");
            ed.initVerify(key);
            ed.update(c.note().getBytes(StandardCharsets.UTF_8));
            valid = ed.verify(Base64.getDecoder().decode(c.signature()));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            valid = false;
        }
        if (!valid) {
            throw new ColloquyException.AuditVerificationFailed("the checkpoint's signature does not verify");
        }
        String[] lines = c.note().split("\n", -1);
        String root = lines.length > 2 ? lines[2] : "";
        byte[] rootBytes;
        try {
            rootBytes = Base64.getDecoder().decode(root);
        } catch (IllegalArgumentException e) {
            rootBytes = new byte[0];
        }
        if (lines.length < 4
                || !lines[0].equals(c.origin())
                || !lines[1].equals(Long.toString(c.treeSize()))
                || !Merkle.hex(rootBytes).equals(c.rootHash())) {
            throw new ColloquyException.AuditVerificationFailed(
                    "the checkpoint's fields are not the ones its signed note states");
        }
    }

    private synchronized PublicKey publicKey() {
        if (publicKey == null) {
            JsonNode key = transport.get("/v1/audit/public-key", JsonNode.class);
            publicKey =
                    ed25519(Base64.getDecoder().decode(key.path("public_key").asText()));
        }
        return publicKey;
    }

    private static PublicKey ed25519(byte[] raw) {
        if (raw.length != 32) {
            throw new IllegalArgumentException("an Ed25519 public key is 32 bytes");
        }
        byte[] der = new byte[ED25519_X509_PREFIX.length + 32];
        System.arraycopy(ED25519_X509_PREFIX, 0, der, 0, ED25519_X509_PREFIX.length);
        System.arraycopy(raw, 0, der, ED25519_X509_PREFIX.length, 32);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 public key", e);
        }
    }
}
