package io.colloquy.audit;

import io.colloquy.crypto.SealedContent;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * What other features need of the audit log's key and tree: signatures by the server's one Ed25519 key
 * (the one served at {@code /v1/audit/public-key}), a project's current tree head, and the removal of
 * a deleted project's log.
 */
@Component
public final class AuditSignatures implements SealedContent {
    private final CheckpointSigner signer;
    private final AuditTrail trail;
    private final AuditRepository log;
    private final io.colloquy.crypto.StoredValues values;
    private final SequencerRepository sequencer;

    AuditSignatures(
            CheckpointSigner signer,
            AuditTrail trail,
            AuditRepository log,
            io.colloquy.crypto.StoredValues values,
            SequencerRepository sequencer) {
        this.signer = signer;
        this.trail = trail;
        this.log = log;
        this.values = values;
        this.sequencer = sequencer;
    }

    /** A tree head: size and root hash (lowercase hex). */
    public record TreeHead(long treeSize, String rootHash) {}

    /** Base64 Ed25519 signature over the UTF-8 bytes of {@code text}. */
    public String sign(String text) {
        return Base64.getEncoder().encodeToString(signer.sign(text.getBytes(StandardCharsets.UTF_8)));
    }

    public String keyId() {
        return SignedNote.keyId(signer.rawPublicKey());
    }

    /** The raw 32-byte Ed25519 public key. */
    public byte[] rawPublicKey() {
        return signer.rawPublicKey();
    }

    /** Whether {@code base64Signature} is an Ed25519 signature of {@code text} by the raw public key. */
    public static boolean verify(byte[] rawPublicKey, String text, String base64Signature) {
        try {
            return SignedNote.verify(
                    rawPublicKey, text, java.util.Base64.getDecoder().decode(base64Signature));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The key id of a raw public key (as {@link #keyId()} names the server's). */
    public static String keyIdOf(byte[] rawPublicKey) {
        return SignedNote.keyId(rawPublicKey);
    }

    /** The tree head of a log whose leaf hashes are these, in seq order (a backup's snapshot of a log). */
    public static TreeHead treeHeadOf(java.util.List<byte[]> leafHashes) {
        return new TreeHead(leafHashes.size(), java.util.HexFormat.of().formatHex(LogVerifier.rootOf(leafHashes)));
    }

    /** The verdict on a project's log checked against a tree head. */
    public record LogCheck(boolean ok, String message) {}

    /**
     * Checks every event of the project's log as the verifier does (data against data_hash, fields against leaf_hash,
     * dense seqs) and that its first {@code expected.treeSize()} events have {@code expected}'s root.
     */
    public LogCheck verifyAgainst(UUID project, TreeHead expected) {
        LogVerifier.Outcome outcome = LogVerifier.verifyPrefix(
                trail.exportLines(project),
                expected.treeSize(),
                java.util.HexFormat.of().parseHex(expected.rootHash()));
        return new LogCheck(
                outcome.ok(),
                outcome.firstBadSeq() == null
                        ? outcome.message()
                        : "event " + outcome.firstBadSeq() + ": " + outcome.message());
    }

    /** The project's current tree head (events committed but not yet sequenced are not in it). */
    public TreeHead treeHead(UUID project) {
        AuditTrail.CheckpointView c = trail.checkpoint(project);
        return new TreeHead(c.treeSize(), c.rootHash());
    }

    /**
     * Re-encrypts up to {@code limit} events' data of a namespace ("" = project-level events) sealed under a
     * data key version other than {@code current}; returns how many, or -1 while events still waiting in
     * the outbox hold such data (the sequencer moves them within a second; try again).
     */
    @Override
    public int resealOlderValues(UUID project, String ns, int current, int limit) {
        // The outbox first: a row the sequencer moves into the log after this statement is then found in the
        // log by the next one (the move commits at once). Read the other way round, a row moved in between
        // was seen in neither place, and its key version was destroyed under it.
        boolean waiting = log.outboxDataUnderOlderKeys(project, ns, current) > 0;
        List<AuditRepository.Sealed> old = log.dataUnderOlderKeys(project, ns, current, limit);
        for (AuditRepository.Sealed e : old) {
            io.colloquy.crypto.FieldRef ref =
                    new io.colloquy.crypto.FieldRef(project, ns, AuditLog.DATA_TABLE, e.eventId(), "data");
            log.resealData(project, e.seq(), values.seal(ref, values.open(ref, e.data())));
        }
        if (old.isEmpty() && waiting) {
            return -1;
        }
        return old.size();
    }

    /** Removes a deleted project's whole log, in its (project-wide) tenant transaction. */
    public void eraseProjectLog(UUID project) {
        sequencer.lockProject(project); // a sequencing round of this project finishes first, then finds nothing
        log.eraseProjectLog(project);
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
