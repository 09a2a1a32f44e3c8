package io.colloquy.evidence;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run found: one {@link Claim} per security claim, each with the checks (probes) that stand for it. A claim
 * fails when any of its checks fails, passes when at least one passed and none failed, and is "not checked" when
 * nothing could be tried (the report then says why).
 */
final class Evidence {
    enum Status {
        PASS,
        FAIL,
        NOT_CHECKED;

        String label() {
            return switch (this) {
                case PASS -> "pass";
                case FAIL -> "fail";
                case NOT_CHECKED -> "not checked";
            };
        }
    }

    /** One probe: what was done, what was seen, when. */
    record Check(String name, Status status, String done, String observed, Instant at) {}

    /** One claim of the product, in words a reviewer reads, and its checks in the order they ran. */
    record Claim(String id, String title, String statement, List<Check> checks) {
        Status status() {
            if (checks.stream().anyMatch(c -> c.status() == Status.FAIL)) {
                return Status.FAIL;
            }
            return checks.stream().anyMatch(c -> c.status() == Status.PASS) ? Status.PASS : Status.NOT_CHECKED;
        }
    }

    /** The claims in report order, with their titles and statements. */
    static final List<Claim> CLAIMS = List.of(
            claim(
                    "isolation",
                    "Projects and namespaces are isolated",
                    "A key of one project, or a request for another namespace, can read, list, search, export, change"
                            + " or stream nothing of another; a foreign id is answered exactly like a random one."),
            claim(
                    "database-isolation",
                    "The database itself enforces tenant isolation",
                    "Row-level security is enabled and forced on every tenant table; the service's database role is"
                            + " not the owner, not a superuser and cannot bypass it; without a tenant it sees no row."),
            claim(
                    "key-storage",
                    "API keys are stored only as digests",
                    "The database holds a digest of each API key's secret, never the secret itself."),
            claim(
                    "encryption",
                    "Content is encrypted at rest",
                    "A message written through the API is found nowhere in the database in clear; the project's key"
                            + " status and age are as the rotation policy requires."),
            claim(
                    "audit",
                    "Every change is recorded in a tamper-evident log",
                    "Each change made by these probes is in the project's audit log; the log matches checkpoints"
                            + " signed by the server's key and extends those kept by earlier runs; the service cannot"
                            + " rewrite it."),
            claim(
                    "deletion",
                    "Deleted data is gone, and the deletion is signed",
                    "A deleted project answers nothing any more, leaves no row behind, and its signed deletion receipt"
                            + " verifies under the server's public key."),
            claim(
                    "governance",
                    "Governance settings behave as configured",
                    "Immutable mode, legal hold, delete protection and retention refuse or keep what they promise."),
            claim(
                    "access",
                    "Access controls are enforced",
                    "IP allowlists refuse other addresses, capabilities limit keys, and every answer carries its rate"
                            + " limit; the plan's quotas are visible."),
            claim(
                    "transport",
                    "Traffic is protected in transit",
                    "The API is served over TLS 1.2 or 1.3 with forward-secret AEAD suites only, with HSTS and the"
                            + " usual security headers."));

    private static Claim claim(String id, String title, String statement) {
        return new Claim(id, title, statement, List.of());
    }

    private final Map<String, List<Check>> checks = new LinkedHashMap<>();
    private final java.time.Clock clock;

    Evidence(java.time.Clock clock) {
        this.clock = clock;
        CLAIMS.forEach(c -> checks.put(c.id(), new ArrayList<>()));
    }

    void pass(String claim, String name, String done, String observed) {
        add(claim, name, Status.PASS, done, observed);
    }

    void fail(String claim, String name, String done, String observed) {
        add(claim, name, Status.FAIL, done, observed);
    }

    void notChecked(String claim, String name, String why) {
        add(claim, name, Status.NOT_CHECKED, "Nothing.", "Not checked: " + why);
    }

    /** A check that passes when {@code ok}, fails otherwise. */
    void check(String claim, String name, boolean ok, String done, String observed) {
        add(claim, name, ok ? Status.PASS : Status.FAIL, done, observed);
    }

    private synchronized void add(String claim, String name, Status status, String done, String observed) {
        List<Check> list = checks.get(claim);
        if (list == null) {
            throw new IllegalArgumentException("no claim " + claim);
        }
        list.add(new Check(name, status, done, observed, clock.instant()));
    }

    synchronized List<Claim> claims() {
        return CLAIMS.stream()
                .map(c -> new Claim(c.id(), c.title(), c.statement(), List.copyOf(checks.get(c.id()))))
                .toList();
    }
}
