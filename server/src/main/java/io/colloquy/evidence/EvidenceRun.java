package io.colloquy.evidence;

import io.colloquy.audit.AuditSignatures;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * One run of the probes, in order: your project's settings and log (read only), transport, then (with the operator
 * token) two temporary projects for isolation, access, governance and audit probes, the database checks (with a URL),
 * and the deletion of the temporary projects with their receipts verified. What could not be checked is said so.
 */
final class EvidenceRun {
    /** What the command was given. */
    record Options(
            String url,
            String key,
            @Nullable String operatorToken,
            @Nullable String databaseUrl,
            java.nio.file.@Nullable Path caCertificate,
            int maxKeyAgeDays,
            @Nullable String keptCheckpoint) {}

    /** Everything the report shows besides the claims. */
    record Outcome(
            Instant startedAt,
            Instant finishedAt,
            String target,
            String project,
            String publicKey,
            String keyId,
            List<Evidence.Claim> claims,
            List<Map<String, Object>> checkpoints,
            List<Map<String, Object>> receipts,
            @Nullable String checkpointToKeep) {}

    private final Options options;
    private final Clock clock;

    EvidenceRun(Options options, Clock clock) {
        this.options = options;
        this.clock = clock;
    }

    Outcome run() throws Exception {
        Instant started = clock.instant();
        Evidence evidence = new Evidence(clock);
        Api api = new Api(options.url(), options.caCertificate());
        Api.Response me = api.get(options.key(), "/v1/project");
        if (me.status() != 200) {
            throw new IllegalStateException("GET /v1/project with the given key answered " + me.summary()
                    + " (an admin key of a project is needed)");
        }
        JsonNode project = me.json();
        Api.Response pk = api.get(options.key(), "/v1/audit/public-key");
        byte[] publicKey = Base64.getDecoder().decode(pk.text("/public_key"));
        String keyId = AuditSignatures.keyIdOf(publicKey);

        new TransportProbes(api, evidence).run(options.key());
        ApiProbes probes = new ApiProbes(api, evidence);
        probes.accessSettings(project);
        probes.governanceSettings(project);
        probes.encryptionStatus(options.key(), project, options.maxKeyAgeDays(), started);
        AuditProbes audit = new AuditProbes(api, evidence, publicKey);
        String keep = audit.projectLog(options.key(), options.keptCheckpoint());

        List<Map<String, Object>> receipts = new ArrayList<>();
        DatabaseProbes db =
                options.databaseUrl() == null ? null : DatabaseProbes.connect(options.databaseUrl(), evidence);
        try {
            if (db != null) {
                db.catalog();
                db.withoutTenant();
            } else {
                for (String claim : List.of("database-isolation", "key-storage")) {
                    evidence.notChecked(claim, "Database checks", "no --database-url was given.");
                }
                evidence.notChecked("encryption", "Canary absent at rest", "no --database-url was given.");
                evidence.notChecked("audit", "Append-only for the service's role", "no --database-url was given.");
            }
            if (options.operatorToken() == null) {
                String why = "no --operator-token was given, so no temporary project could be made to probe with";
                evidence.notChecked("isolation", "Cross-project and cross-namespace probes", why + ".");
                evidence.notChecked("audit", "The probes' own changes in the log", why + ".");
                evidence.notChecked("deletion", "Hard delete and signed receipt", why + ".");
                evidence.notChecked(
                        "governance", "Immutable mode, legal hold, delete protection, retention probes", why + ".");
                evidence.notChecked("access", "Allowlist and capability probes", why + ".");
                if (db != null) {
                    keysInClear(
                            db,
                            evidence,
                            List.of(options.key()),
                            List.of(projectUuid(project.path("id").asString())));
                }
            } else {
                temporary(api, evidence, probes, audit, db, project, publicKey, receipts);
            }
        } finally {
            if (db != null) {
                db.close();
            }
        }
        return new Outcome(
                started,
                clock.instant(),
                api.base(),
                project.path("id").asString(""),
                Base64.getEncoder().encodeToString(publicKey),
                keyId,
                evidence.claims(),
                audit.verified(),
                receipts,
                keep);
    }

    private void temporary(
            Api api,
            Evidence evidence,
            ApiProbes probes,
            AuditProbes audit,
            @Nullable DatabaseProbes db,
            JsonNode project,
            byte[] publicKey,
            List<Map<String, Object>> receipts)
            throws Exception {
        TemporaryProjects projects =
                new TemporaryProjects(api, options.operatorToken(), "colloquy-evidence " + clock.instant());
        try {
            TemporaryProjects.Temporary a = projects.create("A", Map.of());
            TemporaryProjects.Temporary b =
                    projects.create("B", Map.of("immutable_dialogues", true, "delete_protection", true));
            String canary = ApiProbes.canary();
            ApiProbes.Written w = probes.write(a, canary);
            probes.isolation(a, b, w);
            probes.access(a, options.key(), w);
            probes.governance(a, b, w);
            audit.probeChanges(a, w.entities());
            UUID aId = projectUuid(a.id());
            UUID bId = projectUuid(b.id());
            if (db != null) {
                List<String> found = db.find(List.of(canary), List.of(aId));
                long unreadable = db.unreadable();
                evidence.check(
                        "encryption",
                        "Canary absent at rest",
                        found.isEmpty(),
                        "Wrote a message and a memory holding a random canary into temporary project A, then searched"
                                + " every table the role can read for it in clear (as text and as hex bytes), with A's"
                                + " tenant context set.",
                        (found.isEmpty() ? "Not found in any table" : "Found in clear in: " + String.join(", ", found))
                                + (unreadable > 0
                                        ? "; " + unreadable + " tables not readable by this role were not searched"
                                        : ""));
                keysInClear(
                        db,
                        evidence,
                        List.of(options.key(), a.key(), b.key()),
                        List.of(projectUuid(project.path("id").asString()), aId, bId));
            }
            for (TemporaryProjects.Temporary t : List.of(b, a)) {
                TemporaryProjects.Receipt r = projects.delete(t);
                if (r == null) {
                    evidence.fail(
                            "deletion",
                            "Delete temporary project " + t.id(),
                            "DELETE /v1/project with its key.",
                            "Refused; the project was left in place.");
                    continue;
                }
                deletion(api, evidence, db, t, r, publicKey, receipts);
            }
        } catch (TemporaryProjects.Refused | ApiProbes.ProbeFailed e) {
            evidence.fail(
                    "isolation",
                    "Temporary projects",
                    "Set up the temporary projects the probes need.",
                    e.getMessage());
        } finally {
            projects.deleteRemaining();
        }
    }

    private static void deletion(
            Api api,
            Evidence evidence,
            @Nullable DatabaseProbes db,
            TemporaryProjects.Temporary t,
            TemporaryProjects.Receipt r,
            byte[] publicKey,
            List<Map<String, Object>> receipts)
            throws Exception {
        boolean verified = AuditSignatures.verify(publicKey, r.signedText(), r.signature());
        JsonNode text = Api.JSON.readTree(r.signedText());
        boolean names = t.id().equals(text.path("project_id").asString(""))
                && "project".equals(text.path("subject").asString(""));
        evidence.check(
                "deletion",
                "Signed receipt of " + t.id(),
                verified && names,
                "Deleted temporary project " + t.id() + " and verified the Ed25519 signature of its deletion receipt"
                        + " with the server's public key.",
                (verified ? "Signature valid" : "Signature INVALID") + "; the receipt names "
                        + text.path("subject").asString("?") + " "
                        + text.path("project_id").asString("?")
                        + ", deleted " + text.path("deleted") + " at "
                        + text.path("deleted_at").asString("?"));
        Map<String, Object> kept = new LinkedHashMap<>();
        kept.put("project", t.id());
        kept.put("signed_text", r.signedText());
        kept.put("signature", r.signature());
        kept.put("key_id", r.keyId());
        kept.put("verified", verified);
        receipts.add(kept);
        Api.Response after = api.get(t.key(), "/v1/project");
        evidence.check(
                "deletion",
                "Nothing readable after deleting " + t.id(),
                after.status() == 401,
                "Used the deleted project's admin key again.",
                "Answered " + after.summary());
        if (db != null) {
            List<String> left = db.rowsOf(projectUuid(t.id()));
            evidence.check(
                    "deletion",
                    "No row left of " + t.id(),
                    left.isEmpty(),
                    "Counted the rows of every tenant table with the deleted project's tenant context set.",
                    left.isEmpty() ? "0 rows in every tenant table" : "Rows left: " + String.join("; ", left));
        }
    }

    private static void keysInClear(DatabaseProbes db, Evidence evidence, List<String> keys, List<UUID> tenants)
            throws Exception {
        List<String> needles = new ArrayList<>();
        for (String k : keys) {
            needles.add(k);
            needles.add(k.substring(Math.max(0, k.length() - 20)));
        }
        List<String> found = db.find(needles, tenants);
        evidence.check(
                "key-storage",
                "No API key stored in clear",
                found.isEmpty(),
                "Searched every table the role can read (with each project's tenant context set, and without) for "
                        + keys.size() + " known API keys and the last 20 characters of their secrets, as text and as"
                        + " hex bytes.",
                found.isEmpty()
                        ? "Not found in any table: only digests are stored"
                        : "Found in clear in: " + String.join(", ", found));
    }

    static UUID projectUuid(String publicId) {
        String hex = publicId.substring(publicId.indexOf('_') + 1);
        return UUID.fromString(hex.replaceFirst("(.{8})(.{4})(.{4})(.{4})(.{12})", "$1-$2-$3-$4-$5"));
    }
}
