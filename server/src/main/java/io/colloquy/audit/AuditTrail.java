package io.colloquy.audit;

import io.colloquy.platform.Ids;
import io.colloquy.web.Page;
import io.colloquy.web.PageRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a project's log: events, the signed checkpoint, inclusion and consistency proofs (each from
 * O(log n) stored subtree hashes fetched in one query) and the JSON-lines export.
 */
@Service
class AuditTrail {
    static final int EXPORT_PAGE = 1000;
    private static final HexFormat HEX = HexFormat.of();

    private final AuditRepository log;
    private final CheckpointSigner signer;
    private final TenantScope tenants;
    private final JsonMapper json;
    private final Clock clock;

    AuditTrail(AuditRepository log, CheckpointSigner signer, TenantScope tenants, JsonMapper json, Clock clock) {
        this.log = log;
        this.signer = signer;
        this.tenants = tenants;
        this.json = json;
        this.clock = clock;
    }

    record CheckpointView(
            long treeSize,
            String rootHash,
            String timestamp,
            String keyId,
            String note,
            String signature,
            String origin,
            String signedNote) {}

    record PublicKeyView(String keyId, String algorithm, String publicKey, String pem, String verifierKey) {}

    record InclusionView(
            long seq, long leafIndex, long treeSize, String leafHash, String rootHash, List<String> proof) {}

    record ConsistencyView(long fromSize, long toSize, String fromRootHash, String toRootHash, List<String> proof) {}

    /** Events after {@code afterSeq} (or the cursor), ascending. In the request's transaction. */
    Page<AuditEvent.View> page(UUID project, long afterSeq, AuditRepository.Filter filter, PageRequest page) {
        long after = afterSeq;
        if (page.after() != null) {
            try {
                after = Long.parseLong(page.after());
            } catch (NumberFormatException e) {
                throw io.colloquy.web.ValidationFailed.of("cursor", "is not a cursor this API returned");
            }
        }
        List<AuditEvent.View> rows = log.events(project, after, Long.MAX_VALUE, filter, page.limit() + 1).stream()
                .map(AuditRepository.Stored::view)
                .toList();
        return page.page(rows, v -> Long.toString(v.seq()));
    }

    long treeSize(UUID project) {
        return log.treeSize(project);
    }

    PublicKeyView publicKey() {
        byte[] raw = signer.rawPublicKey();
        byte[] spki = SignedNote.publicKey(raw).getEncoded();
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(spki);
        String pem = "-----BEGIN PUBLIC KEY-----\n" + b64 + "\n-----END PUBLIC KEY-----\n";
        return new PublicKeyView(
                SignedNote.keyId(raw),
                "Ed25519",
                Base64.getEncoder().encodeToString(raw),
                pem,
                SignedNote.verifierKey(raw));
    }

    /** The current tree size and root, signed now. */
    CheckpointView checkpoint(UUID project) {
        long size = log.treeSize(project);
        byte[] root = Merkle.root(size, stored(project, n -> Merkle.root(size, n)));
        Instant now = clock.instant();
        String origin = SignedNote.origin(Ids.format("prj", project));
        String body = SignedNote.body(origin, size, root, now);
        byte[] signature = signer.sign(body.getBytes(StandardCharsets.UTF_8));
        byte[] raw = signer.rawPublicKey();
        return new CheckpointView(
                size,
                HEX.formatHex(root),
                AuditEvent.AT.format(now),
                SignedNote.keyId(raw),
                body,
                Base64.getEncoder().encodeToString(signature),
                origin,
                SignedNote.signedNote(body, raw, signature));
    }

    /** The audit path of event {@code seq} in the tree of {@code treeSize} (default: the current one). */
    InclusionView inclusion(UUID project, long seq, long treeSize) {
        long index = seq - 1;
        Merkle.Nodes nodes = stored(project, n -> {
            Merkle.inclusionProof(index, treeSize, n);
            Merkle.root(treeSize, n);
            n.get(0, index);
        });
        List<byte[]> proof = Merkle.inclusionProof(index, treeSize, nodes);
        return new InclusionView(
                seq,
                index,
                treeSize,
                HEX.formatHex(nodes.get(0, index)),
                HEX.formatHex(Merkle.root(treeSize, nodes)),
                hex(proof));
    }

    ConsistencyView consistency(UUID project, long from, long to) {
        Merkle.Nodes nodes = stored(project, n -> {
            Merkle.consistencyProof(from, to, n);
            Merkle.root(from, n);
            Merkle.root(to, n);
        });
        return new ConsistencyView(
                from,
                to,
                HEX.formatHex(Merkle.root(from, nodes)),
                HEX.formatHex(Merkle.root(to, nodes)),
                hex(Merkle.consistencyProof(from, to, nodes)));
    }

    /**
     * Writes every event after {@code afterSeq} present when the export starts, one JSON object per line,
     * {@value #EXPORT_PAGE} at a time, each page in its own short tenant transaction: memory stays flat
     * however long the log is.
     */
    void exportJsonl(UUID project, long afterSeq, AuditRepository.Filter filter, OutputStream out) throws IOException {
        long upto = tenants.inProject(project, () -> log.maxSeq(project));
        long cursor = afterSeq;
        while (cursor < upto) {
            long after = cursor;
            List<AuditRepository.Stored> page =
                    tenants.inProject(project, () -> log.events(project, after, upto, filter, EXPORT_PAGE));
            for (AuditRepository.Stored s : page) {
                out.write(json.writeValueAsBytes(s.view()));
                out.write('\n');
            }
            out.flush();
            if (page.size() < EXPORT_PAGE) {
                return;
            }
            cursor = page.getLast().view().seq();
        }
    }

    /**
     * The project's events present now as JSON lines (as {@link #exportJsonl} writes them), read a page at a time in
     * short tenant transactions as the iterator is consumed, from any thread.
     */
    java.util.Iterator<byte[]> exportLines(UUID project) {
        long upto = tenants.inProject(project, () -> log.maxSeq(project));
        return new java.util.Iterator<>() {
            private java.util.Iterator<AuditRepository.Stored> page = java.util.Collections.emptyIterator();
            private long cursor;
            private boolean done = upto == 0;

            @Override
            public boolean hasNext() {
                if (!page.hasNext() && !done) {
                    long after = cursor;
                    List<AuditRepository.Stored> rows = tenants.inProject(
                            project, () -> log.events(project, after, upto, AuditRepository.Filter.NONE, EXPORT_PAGE));
                    done = rows.size() < EXPORT_PAGE;
                    if (!rows.isEmpty()) {
                        cursor = rows.getLast().view().seq();
                    }
                    page = rows.iterator();
                }
                return page.hasNext();
            }

            @Override
            public byte[] next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return json.writeValueAsBytes(page.next().view());
            }
        };
    }

    /** The stored subtree hashes a computation needs, fetched in one query. */
    private Merkle.Nodes stored(UUID project, Consumer<Merkle.Nodes> computation) {
        Set<Merkle.Coord> needed = new HashSet<>(Merkle.needed(computation));
        Map<Merkle.Coord, byte[]> found = log.nodes(project, needed);
        return (level, index) -> {
            byte[] hash = found.get(new Merkle.Coord(level, index));
            if (hash == null) {
                throw new IllegalStateException("Merkle node " + level + "/" + index + " is missing");
            }
            return hash;
        };
    }

    private static List<String> hex(List<byte[]> hashes) {
        return hashes.stream().map(HEX::formatHex).toList();
    }
}
