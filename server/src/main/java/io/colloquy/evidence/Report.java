package io.colloquy.evidence;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The report: {@code evidence.json} (fields in a fixed order, claims and checks in run order, so that two runs diff
 * line by line) and {@code evidence.html}, the same content for a reader, self-contained (inline CSS, no script, no
 * external resource). {@code report_sha256} is the SHA-256 of the JSON document as written with that field empty.
 */
final class Report {
    private static final JsonMapper JSON =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private Report() {}

    /** The JSON text, with its own SHA-256 filled in. */
    static String json(EvidenceRun.Outcome o) {
        Map<String, Object> doc = document(o, "");
        String sha = sha256(JSON.writeValueAsString(doc) + "\n");
        return JSON.writeValueAsString(document(o, sha)) + "\n";
    }

    static String sha256Of(String json) {
        return sha256(json.replaceFirst("\"report_sha256\" : \"[0-9a-f]{64}\"", "\"report_sha256\" : \"\""));
    }

    private static Map<String, Object> document(EvidenceRun.Outcome o, String sha) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("format", "colloquy.evidence/v1");
        doc.put("report_sha256", sha);
        doc.put("target", o.target());
        doc.put("project", o.project());
        doc.put("started_at", o.startedAt().toString());
        doc.put("finished_at", o.finishedAt().toString());
        doc.put("verdict", verdict(o.claims()).label());
        Map<String, Object> summary = new LinkedHashMap<>();
        for (Evidence.Status s : Evidence.Status.values()) {
            summary.put(
                    s.label().replace(' ', '_'),
                    o.claims().stream().filter(c -> c.status() == s).count());
        }
        doc.put("claims_by_status", summary);
        Map<String, Object> key = new LinkedHashMap<>();
        key.put("algorithm", "Ed25519");
        key.put("public_key", o.publicKey());
        key.put("key_id", o.keyId());
        doc.put("server_key", key);
        doc.put("claims", o.claims().stream().map(Report::claim).toList());
        doc.put("checkpoints", o.checkpoints());
        doc.put("receipts", o.receipts());
        return doc;
    }

    private static Map<String, Object> claim(Evidence.Claim c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("title", c.title());
        m.put("statement", c.statement());
        m.put("status", c.status().label());
        m.put(
                "checks",
                c.checks().stream()
                        .map(k -> {
                            Map<String, Object> x = new LinkedHashMap<>();
                            x.put("name", k.name());
                            x.put("status", k.status().label());
                            x.put("done", k.done());
                            x.put("observed", k.observed());
                            x.put("at", k.at().toString());
                            return x;
                        })
                        .toList());
        return m;
    }

    static Evidence.Status verdict(List<Evidence.Claim> claims) {
        if (claims.stream().anyMatch(c -> c.status() == Evidence.Status.FAIL)) {
            return Evidence.Status.FAIL;
        }
        return claims.stream().allMatch(c -> c.status() == Evidence.Status.PASS)
                ? Evidence.Status.PASS
                : Evidence.Status.NOT_CHECKED;
    }

    static String html(EvidenceRun.Outcome o, String jsonSha) {
        StringBuilder h = new StringBuilder();
        Evidence.Status verdict = verdict(o.claims());
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Colloquy security evidence — ")
                .append(esc(o.target()))
                .append("</title>\n")
                .append("<style>")
                .append(CSS)
                .append("</style></head><body><main>\n");
        h.append("<header><p class=\"kicker\">Colloquy security evidence</p><h1>")
                .append(esc(o.target()))
                .append("</h1>\n<p class=\"lead\">Each section below is one security claim, the")
                .append(" probes run against this deployment to test it, and what they observed. Probes use only the")
                .append(" public API (and read-only database queries when a database address was given).</p>\n");
        h.append("<div class=\"verdict ")
                .append(cls(verdict))
                .append("\"><span class=\"badge\">")
                .append(esc(verdict.label()))
                .append("</span> ");
        long fail = o.claims().stream()
                .filter(c -> c.status() == Evidence.Status.FAIL)
                .count();
        long pass = o.claims().stream()
                .filter(c -> c.status() == Evidence.Status.PASS)
                .count();
        long not = o.claims().size() - fail - pass;
        h.append(pass)
                .append(" of ")
                .append(o.claims().size())
                .append(" claims hold")
                .append(fail > 0 ? ", " + fail + " failed" : "")
                .append(not > 0 ? ", " + not + " not checked" : "")
                .append("</div>\n");
        h.append("<dl class=\"meta\"><dt>Project</dt><dd><code>")
                .append(esc(o.project()))
                .append("</code></dd>")
                .append("<dt>Started</dt><dd>")
                .append(esc(o.startedAt().toString()))
                .append("</dd>")
                .append("<dt>Finished</dt><dd>")
                .append(esc(o.finishedAt().toString()))
                .append("</dd></dl>\n");
        h.append("<nav><ol>");
        for (Evidence.Claim c : o.claims()) {
            h.append("<li><a href=\"#")
                    .append(c.id())
                    .append("\"><span class=\"dot ")
                    .append(cls(c.status()))
                    .append("\"></span>")
                    .append(esc(c.title()))
                    .append("</a></li>");
        }
        h.append("</ol></nav></header>\n");
        for (Evidence.Claim c : o.claims()) {
            h.append("<section id=\"")
                    .append(c.id())
                    .append("\" class=\"claim ")
                    .append(cls(c.status()))
                    .append("\">")
                    .append("<div class=\"head\"><h2>")
                    .append(esc(c.title()))
                    .append("</h2><span class=\"badge\">")
                    .append(esc(c.status().label()))
                    .append("</span></div>\n<p class=\"statement\">")
                    .append(esc(c.statement()))
                    .append("</p>\n");
            for (Evidence.Check k : c.checks()) {
                h.append("<article class=\"check ")
                        .append(cls(k.status()))
                        .append("\"><h3><span class=\"mark\">")
                        .append(mark(k.status()))
                        .append("</span>")
                        .append(esc(k.name()))
                        .append("</h3>")
                        .append("<p><b>What was done.</b> ")
                        .append(esc(k.done()))
                        .append("</p>");
                String[] parts = k.observed().split("; ");
                if (parts.length >= 3) {
                    h.append("<p><b>What was observed.</b></p><ul>");
                    for (String part : parts) {
                        h.append("<li>").append(esc(part)).append("</li>");
                    }
                    h.append("</ul>");
                } else if (!k.observed().isEmpty()) {
                    h.append("<p><b>What was observed.</b> ")
                            .append(esc(k.observed()))
                            .append("</p>");
                }
                h.append("<p class=\"at\">").append(esc(k.at().toString())).append("</p></article>\n");
            }
            h.append("</section>\n");
        }
        h.append(
                        "<section class=\"appendix\"><h2>For verification</h2>\n<p>The server's Ed25519 public key (key id <code>")
                .append(esc(o.keyId()))
                .append("</code>):</p><pre>")
                .append(esc(o.publicKey()))
                .append("</pre>\n");
        h.append("<h3>Checkpoints verified</h3>");
        for (Map<String, Object> cp : o.checkpoints()) {
            h.append("<p>")
                    .append(esc(String.valueOf(cp.get("of"))))
                    .append(": tree size ")
                    .append(cp.get("tree_size"))
                    .append(", signature ")
                    .append(Boolean.TRUE.equals(cp.get("verified")) ? "verified" : "NOT verified")
                    .append("</p><pre>")
                    .append(esc(String.valueOf(cp.get("note"))))
                    .append("signature ")
                    .append(esc(String.valueOf(cp.get("signature"))))
                    .append("</pre>\n");
        }
        h.append("<h3>Deletion receipts</h3>");
        if (o.receipts().isEmpty()) {
            h.append("<p>None (no temporary project was deleted).</p>");
        }
        for (Map<String, Object> r : o.receipts()) {
            h.append("<p>")
                    .append(esc(String.valueOf(r.get("project"))))
                    .append(": signature ")
                    .append(Boolean.TRUE.equals(r.get("verified")) ? "verified" : "NOT verified")
                    .append("</p><pre>")
                    .append(esc(String.valueOf(r.get("signed_text"))))
                    .append("\nsignature ")
                    .append(esc(String.valueOf(r.get("signature"))))
                    .append("</pre>\n");
        }
        h.append(
                        "<p class=\"sha\">SHA-256 of this report's <code>evidence.json</code> (with <code>report_sha256</code>")
                .append(" empty): <code>")
                .append(esc(jsonSha))
                .append("</code></p></section>\n");
        h.append("</main></body></html>\n");
        return h.toString();
    }

    private static String cls(Evidence.Status s) {
        return switch (s) {
            case PASS -> "pass";
            case FAIL -> "fail";
            case NOT_CHECKED -> "skip";
        };
    }

    private static String mark(Evidence.Status s) {
        return switch (s) {
            case PASS -> "&#10003;";
            case FAIL -> "&#10007;";
            case NOT_CHECKED -> "&#8211;";
        };
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Instant now() {
        return Instant.now();
    }

    private static final String CSS = """
            :root{--ink:#1c2430;--muted:#5b6675;--line:#e3e7ee;--bg:#f6f7f9;--pass:#1a7f4b;--pass-bg:#e7f5ee;\
            --fail:#b42318;--fail-bg:#fdecea;--skip:#7a5d00;--skip-bg:#fdf6e3}
            *{box-sizing:border-box}
            body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.55 -apple-system,"Segoe UI",Roboto,\
            "Helvetica Neue",Arial,sans-serif}
            main{max-width:920px;margin:0 auto;padding:32px 20px 64px}
            header{background:#fff;border:1px solid var(--line);border-radius:12px;padding:24px 28px;margin-bottom:20px}
            .kicker{margin:0;color:var(--muted);font-size:13px;letter-spacing:.08em;text-transform:uppercase}
            h1{margin:4px 0 8px;font-size:26px;word-break:break-all}
            .lead{color:var(--muted);margin:0 0 16px}
            .verdict{display:flex;align-items:center;gap:12px;padding:12px 16px;border-radius:10px;font-weight:600}
            .verdict.pass{background:var(--pass-bg);color:var(--pass)}.verdict.fail{background:var(--fail-bg);\
            color:var(--fail)}.verdict.skip{background:var(--skip-bg);color:var(--skip)}
            .badge{display:inline-block;padding:2px 10px;border-radius:999px;font-size:12px;font-weight:700;\
            text-transform:uppercase;letter-spacing:.05em;color:#fff;background:var(--muted)}
            .pass .badge{background:var(--pass)}.fail .badge{background:var(--fail)}.skip .badge{background:var(--skip)}
            .meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:16px 0;color:var(--muted)}
            .meta dt{font-weight:600}.meta dd{margin:0}
            nav ol{margin:0;padding:0;list-style:none;columns:2;column-gap:24px}
            nav li{padding:2px 0}nav a{color:var(--ink);text-decoration:none}nav a:hover{text-decoration:underline}
            .dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:8px;background:var(--muted)}
            .dot.pass{background:var(--pass)}.dot.fail{background:var(--fail)}.dot.skip{background:var(--skip)}
            section{background:#fff;border:1px solid var(--line);border-left:6px solid var(--muted);border-radius:12px;\
            padding:20px 24px;margin:16px 0}
            section.pass{border-left-color:var(--pass)}section.fail{border-left-color:var(--fail)}\
            section.skip{border-left-color:var(--skip)}section.appendix{border-left-color:var(--line)}
            .head{display:flex;justify-content:space-between;align-items:center;gap:12px}
            h2{margin:0;font-size:19px}.statement{color:var(--muted);margin:6px 0 12px}
            .check{border-top:1px solid var(--line);padding:12px 0 4px}
            h3{margin:0 0 6px;font-size:15px}.check p{margin:4px 0;overflow-wrap:anywhere}
            .mark{display:inline-block;width:22px;font-weight:700}.check.pass .mark{color:var(--pass)}\
            .check.fail .mark{color:var(--fail)}.check.skip .mark{color:var(--skip)}
            .check.fail{background:linear-gradient(90deg,var(--fail-bg),transparent 60%);margin:0 -24px;padding-left:24px;\
            padding-right:24px}
            .check ul{margin:2px 0 4px;padding-left:22px}.check li{margin:1px 0;overflow-wrap:anywhere}
            .at{color:var(--muted);font-size:12px}
            code,pre{font:12.5px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
            pre{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:10px 12px;white-space:pre-wrap;\
            word-break:break-all}
            .sha{color:var(--muted);word-break:break-all}
            @media print{body{background:#fff}section,header{break-inside:avoid}}
            """;
}
