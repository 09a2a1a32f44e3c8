package io.colloquy.audit;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Verifier throughput on a synthetic log of message events shaped like real ones (not part of the suite:
 * the name does not end in Tests; run it with {@code ./mvnw -o test -Dtest=AuditVerifierBench}).
 */
class AuditVerifierBench {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void verifierEventsPerSecond() throws Exception {
        int n = Integer.getInteger("bench.events", 300_000);
        UUID project = UUID.randomUUID();
        List<byte[]> lines = new ArrayList<>(n);
        List<byte[]> leaves = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ObjectNode data = JSON.createObjectNode()
                    .put("id", "msg_" + HexFormat.of().formatHex(new byte[16]))
                    .put("dialogue_id", "dlg_0190f3a2b4c5d6e7f8091a2b3c4d5e6f")
                    .put("seq", i + 1)
                    .put("role", "user")
                    .put("content", "bench message " + i + " " + "x".repeat(100))
                    .put("created_at", "2026-01-01T00:00:00.000001Z");
            data.putObject("metadata").put("i", i);
            String text = data.toString();
            byte[] dataHash = AuditLog.sha256(Jcs.canonical(JSON.readTree(text)));
            AuditEvent e = new AuditEvent(
                    project,
                    i + 1,
                    UUID.randomUUID(),
                    Instant.parse("2026-01-01T00:00:00.000001Z"),
                    "alice",
                    "message",
                    "msg_" + i,
                    "created",
                    "api_key",
                    "key_0190f3a2b4c5d6e7f8091a2b3c4d5e6f",
                    null,
                    null,
                    dataHash);
            byte[] leaf = e.leafHash();
            leaves.add(leaf);
            lines.add(JSON.writeValueAsBytes(e.view(text, null, leaf)));
        }
        var tree = new HashMap<Merkle.Coord, byte[]>(Merkle.append(0, new HashMap<>(), leaves));
        byte[] root = Merkle.root(n, (level, index) -> tree.get(new Merkle.Coord(level, index)));
        KeyPair key = CheckpointSigner.fromSeed(new byte[32]);
        String note = SignedNote.body(
                SignedNote.origin("prj_" + io.colloquy.platform.Ids.hex(project)), n, root, Instant.now());
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(key.getPrivate());
        s.update(note.getBytes(StandardCharsets.UTF_8));
        JsonNode checkpoint = JSON.createObjectNode()
                .put("tree_size", n)
                .put("root_hash", HexFormat.of().formatHex(root))
                .put("note", note)
                .put("signature", Base64.getEncoder().encodeToString(s.sign()));
        String out = System.getProperty("bench.out");
        if (out != null) {
            // A file to time the CLI with: EXPORT.jsonl, checkpoint.json and the public key.
            java.nio.file.Path dir = java.nio.file.Path.of(out);
            java.nio.file.Files.createDirectories(dir);
            try (var w = java.nio.file.Files.newOutputStream(dir.resolve("events.jsonl"))) {
                for (byte[] line : lines) {
                    w.write(line);
                    w.write('\n');
                }
            }
            java.nio.file.Files.writeString(dir.resolve("checkpoint.json"), checkpoint.toString());
            java.nio.file.Files.writeString(
                    dir.resolve("key.txt"), Base64.getEncoder().encodeToString(SignedNote.raw(key.getPublic())));
        }
        LogVerifier verifier = new LogVerifier(SignedNote.raw(key.getPublic()));
        LogVerifier.Source source = new LogVerifier.Source() {
            @Override
            public Iterator<byte[]> events(long afterSeq) {
                return afterSeq == 0 ? lines.iterator() : List.<byte[]>of().iterator();
            }

            @Override
            public boolean hasProofs() {
                return false;
            }

            @Override
            public @Nullable JsonNode consistency(long fromSize, long toSize) {
                return null;
            }

            @Override
            public @Nullable JsonNode inclusion(long seq, long treeSize) {
                return null;
            }
        };
        for (int round = 0; round < 4; round++) {
            long t = System.nanoTime();
            LogVerifier.Outcome outcome = verifier.verify(source, () -> checkpoint, null);
            double seconds = (System.nanoTime() - t) / 1e9;
            System.out.printf("verifier: %s -> %.0f events/s%n", outcome.ok() ? "OK" : outcome.message(), n / seconds);
        }
    }
}
