package io.colloquy.client;

/**
 * A signed checkpoint of the project's audit log (C2SP tlog-checkpoint note, Ed25519).
 *
 * @param treeSize how many events the log held
 * @param rootHash the Merkle root of those events (hex)
 * @param timestamp when the server signed it
 * @param keyId the signing key's id
 * @param note the exact signed text
 * @param signature base64 Ed25519 signature over the UTF-8 bytes of {@code note}
 * @param origin {@code colloquy-audit/prj_...}: one log per project
 * @param signedNote the note with its signature line (C2SP signed-note form)
 */
public record Checkpoint(
        long treeSize,
        String rootHash,
        String timestamp,
        String keyId,
        String note,
        String signature,
        String origin,
        String signedNote) {}
