package io.colloquy.governance;

import io.colloquy.audit.AuditSignatures;
import io.colloquy.platform.Ids;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

/**
 * Signed deletion receipts: a JSON text (the exact bytes that were signed) naming what was deleted,
 * how much of each kind and when, signed with the server's Ed25519 key, and kept in a table that
 * outlives the project.
 */
@Service
public class Receipts {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final AuditSignatures signingKey;
    private final ReceiptRepository receipts;
    private final Clock clock;

    Receipts(AuditSignatures signingKey, ReceiptRepository receipts, Clock clock) {
        this.signingKey = signingKey;
        this.receipts = receipts;
        this.clock = clock;
    }

    /** A receipt: the signed text, its base64 Ed25519 signature and the signing key's id. */
    public record Signed(String signedText, String signature, String keyId) {}

    /** Signs and stores a receipt for a deleted project or an erased namespace. */
    Signed issue(UUID project, @Nullable String namespace, Map<String, Long> deleted, AuditSignatures.TreeHead head) {
        Instant now = clock.instant();
        UUID id = Ids.newId();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "colloquy.deletion-receipt/v1");
        body.put("receipt_id", Ids.format("rcp", id));
        body.put("subject", namespace == null ? "project" : "namespace");
        body.put("project_id", Ids.format("prj", project));
        body.put("namespace", namespace);
        body.put("deleted", deleted);
        Map<String, Object> checkpoint = new LinkedHashMap<>();
        checkpoint.put("tree_size", head.treeSize());
        checkpoint.put("root_hash", head.rootHash());
        body.put("audit_checkpoint", checkpoint);
        body.put("deleted_at", now.toString());
        body.put("key_id", signingKey.keyId());
        String text = JSON.writeValueAsString(body);
        Signed signed = new Signed(text, signingKey.sign(text), signingKey.keyId());
        receipts.insert(id, namespace == null ? "project" : "namespace", project, namespace, signed, now);
        return signed;
    }

    List<Signed> list(int limit) {
        return receipts.list(limit);
    }
}
