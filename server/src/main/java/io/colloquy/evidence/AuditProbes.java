package io.colloquy.evidence;

import io.colloquy.audit.LogProofs;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * The audit claim over the API: the probes' own changes in project A's log, with inclusion proofs against its signed
 * checkpoint; your project's whole log against its latest signed checkpoint and, by consistency proof, against the
 * checkpoints earlier runs kept (a rewritten history fails here).
 */
final class AuditProbes {
    private static final String CLAIM = "audit";
    private final Api api;
    private final Evidence evidence;
    private final byte[] publicKey;
    /** The checkpoints verified by this run, for the report: origin, tree size, root, signature... */
    private final List<Map<String, Object>> verified = new ArrayList<>();

    AuditProbes(Api api, Evidence evidence, byte[] publicKey) {
        this.api = api;
        this.evidence = evidence;
        this.publicKey = publicKey.clone();
    }

    List<Map<String, Object>> verified() {
        return List.copyOf(verified);
    }

    /** Waits (up to a deadline) for every entity the probes changed to appear in A's log, then proves each event. */
    void probeChanges(TemporaryProjects.Temporary a, List<String> entities) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        List<JsonNode> events;
        Set<String> missing;
        while (true) {
            events = events(a.key());
            missing = new TreeSet<>(entities);
            for (JsonNode e : events) {
                missing.remove(e.path("entity_id").asString(""));
            }
            if (missing.isEmpty() || Instant.now().isAfter(deadline)) {
                break;
            }
            pause();
        }
        evidence.check(
                CLAIM,
                "The probes' own changes are in the log",
                missing.isEmpty(),
                "Made " + entities.size() + " changes in temporary project A (dialogue, message, memory, keys, legal"
                        + " hold, settings) and read A's audit log.",
                missing.isEmpty()
                        ? events.size() + " events; every changed entity has its event"
                        : "No event for: " + String.join(", ", missing));
        Api.Response cp = api.get(a.key(), "/v1/audit/checkpoint");
        LogProofs.Checkpoint checkpoint;
        try {
            checkpoint = LogProofs.checkpoint(publicKey, cp.body());
            record(cp.json(), "temporary project A", true);
        } catch (RuntimeException e) {
            evidence.fail(
                    CLAIM,
                    "Checkpoint signature",
                    "Fetched project A's checkpoint and checked its signature.",
                    e.getMessage());
            return;
        }
        int proven = 0;
        List<String> bad = new ArrayList<>();
        for (JsonNode e : events) {
            long seq = e.path("seq").asLong();
            if (seq > checkpoint.treeSize()) {
                continue;
            }
            Api.Response proof =
                    api.get(a.key(), "/v1/audit/events/" + seq + "/proof?tree_size=" + checkpoint.treeSize());
            if (proof.status() == 200
                    && LogProofs.included(seq, e.path("leaf_hash").asString(""), checkpoint, proof.body())) {
                proven++;
            } else {
                bad.add(Long.toString(seq));
            }
        }
        evidence.check(
                CLAIM,
                "Inclusion proofs of the probes' events",
                bad.isEmpty() && proven > 0,
                "Checked project A's checkpoint signature (key " + checkpoint.keyId() + ") and, for each of its events,"
                        + " the RFC 9162 inclusion proof against the signed root.",
                proven + " of " + events.size() + " events proven under tree size " + checkpoint.treeSize() + ", root "
                        + checkpoint.rootHash() + (bad.isEmpty() ? "" : "; not proven: seq " + String.join(", ", bad)));
    }

    /**
     * Verifies your project's whole log against its latest checkpoint and the one kept by an earlier run; returns the
     * latest checkpoint's JSON to keep, or null when the log does not verify (the kept one stays).
     */
    @Nullable
    String projectLog(String key, @Nullable String kept) {
        LogProofs.Verdict verdict = LogProofs.verifyLog(publicKey, path -> api.bodyOf(key, path), kept);
        evidence.check(
                CLAIM,
                "Your project's log against its signed checkpoint"
                        + (kept == null ? "" : " and the one kept by an earlier run"),
                verdict.ok(),
                "Fetched every event of your project's log, recomputed each data and leaf hash and the Merkle root,"
                        + " and compared it with the checkpoint signed by the server's key"
                        + (kept == null ? "." : ", and the first events with the checkpoint an earlier run kept."),
                verdict.firstBadSeq() == null
                        ? verdict.message()
                        : "First bad event: seq " + verdict.firstBadSeq() + ". " + verdict.message());
        if (verdict.checkpoint() == null) {
            return null;
        }
        record(Api.JSON.readTree(verdict.checkpoint()), "your project", verdict.ok());
        if (kept == null) {
            evidence.notChecked(
                    CLAIM,
                    "Consistency with earlier runs",
                    "no checkpoint was kept by an earlier run in this output directory; this run keeps one.");
            return verdict.ok() ? verdict.checkpoint() : null;
        }
        try {
            LogProofs.Checkpoint older = LogProofs.checkpoint(publicKey, kept);
            LogProofs.Checkpoint newer = LogProofs.checkpoint(publicKey, verdict.checkpoint());
            record(Api.JSON.readTree(kept), "your project, kept by an earlier run", true);
            Api.Response proof = api.get(
                    key, "/v1/audit/consistency?from_size=" + older.treeSize() + "&to_size=" + newer.treeSize());
            boolean ok = proof.status() == 200 && LogProofs.consistent(older, newer, proof.body());
            evidence.check(
                    CLAIM,
                    "Consistency with the checkpoint of an earlier run",
                    ok,
                    "Asked the server for an RFC 9162 consistency proof from the kept checkpoint (tree size "
                            + older.treeSize() + ", " + older.timestamp() + ") to the latest (tree size "
                            + newer.treeSize() + ") and verified it against both signed roots.",
                    ok
                            ? "The log of today extends the log of then: nothing before was changed or removed."
                            : "The proof does not verify (" + proof.summary() + "): history was rewritten between"
                                    + " the runs.");
            return verdict.ok() && ok ? verdict.checkpoint() : null;
        } catch (RuntimeException e) {
            evidence.fail(
                    CLAIM,
                    "Consistency with the checkpoint of an earlier run",
                    "Checked the kept checkpoint's signature.",
                    e.getMessage());
            return null;
        }
    }

    private void record(JsonNode checkpoint, String of, boolean verified) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("of", of);
        m.put("tree_size", checkpoint.path("tree_size").asLong());
        m.put("root_hash", checkpoint.path("root_hash").asString(""));
        m.put("timestamp", checkpoint.path("timestamp").asString(""));
        m.put("key_id", checkpoint.path("key_id").asString(""));
        m.put("note", checkpoint.path("note").asString(""));
        m.put("signature", checkpoint.path("signature").asString(""));
        m.put("verified", verified);
        this.verified.add(m);
    }

    private List<JsonNode> events(String key) {
        List<JsonNode> all = new ArrayList<>();
        long after = 0;
        while (true) {
            Api.Response r = api.get(key, "/v1/audit/events?limit=200&after_seq=" + after);
            if (r.status() != 200 || r.json().path("data").isEmpty()) {
                return all;
            }
            r.json().path("data").values().forEach(all::add);
            after = all.getLast().path("seq").asLong();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
