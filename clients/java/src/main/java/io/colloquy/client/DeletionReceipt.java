package io.colloquy.client;

import java.util.Map;

/**
 * The server's signed receipt for an erasure or a project deletion.
 *
 * @param receipt what was deleted (counts, ids, time)
 * @param signedText the exact text the signature covers
 * @param signature base64 Ed25519 signature over the UTF-8 bytes of {@code signedText}
 * @param algorithm Ed25519
 * @param keyId the signing key's id
 */
public record DeletionReceipt(
        Map<String, Object> receipt, String signedText, String signature, String algorithm, String keyId) {}
