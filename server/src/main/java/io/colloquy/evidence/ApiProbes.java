package io.colloquy.evidence;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The probes that need only the API: isolation between the two temporary projects and between namespaces, access
 * (allowlist, capabilities, rate-limit headers, plan), governance (immutable mode, legal hold, delete protection,
 * retention) and the encryption key's status. They write only into the temporary projects.
 */
final class ApiProbes {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Api api;
    private final Evidence evidence;

    /** What the probes wrote into project A, for the audit and database probes that follow. */
    record Written(
            String namespace,
            String otherNamespace,
            String canary,
            String dialogue,
            String message,
            String memory,
            List<String> entities) {}

    ApiProbes(Api api, Evidence evidence) {
        this.api = api;
        this.evidence = evidence;
    }

    static String canary() {
        return "colloquy-evidence-canary-" + HexFormat.of().formatHex(randomBytes());
    }

    /** Writes the canary into project A: a dialogue, a message, a memory, all in one namespace. */
    Written write(TemporaryProjects.Temporary a, String canary) {
        String ns = "evidence-" + canary.substring(canary.length() - 8);
        String other = ns + "-other";
        Api.Response d = expect(
                201,
                api.post(
                        a.key(),
                        "/v1/namespaces/" + ns + "/dialogues",
                        Map.of("title", "evidence probe", "tags", List.of("evidence"))),
                "create a dialogue");
        String dialogue = d.text("/id");
        Api.Response m = expect(
                201,
                api.post(
                        a.key(),
                        "/v1/namespaces/" + ns + "/dialogues/" + dialogue + "/messages",
                        Map.of("role", "user", "content", "The canary is " + canary + ".")),
                "append a message");
        Api.Response mem = expect(
                201,
                api.post(
                        a.key(),
                        "/v1/namespaces/" + ns + "/memories",
                        Map.of("kind", "long_term", "content", "Remember " + canary)),
                "write a memory");
        return new Written(
                ns,
                other,
                canary,
                dialogue,
                m.text("/id"),
                mem.text("/id"),
                new ArrayList<>(List.of(dialogue, m.text("/id"), mem.text("/id"))));
    }

    private static byte[] randomBytes() {
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        return random;
    }

    void isolation(TemporaryProjects.Temporary a, TemporaryProjects.Temporary b, Written w) {
        String ns = w.namespace();
        String dlg = "/v1/namespaces/" + ns + "/dialogues/" + w.dialogue();
        String random = "dlg_" + HexFormat.of().formatHex(randomBytes());
        String q = URLEncoder.encode(w.canary(), StandardCharsets.UTF_8);

        // another project's key, the right namespace
        List<String> seen = new ArrayList<>();
        boolean ok = true;
        ok &= refused(b.key(), "GET", dlg, seen);
        ok &= refused(b.key(), "GET", dlg + "/messages", seen);
        ok &= refused(b.key(), "GET", dlg + "/messages/" + w.message(), seen);
        ok &= refused(b.key(), "GET", "/v1/namespaces/" + ns + "/memories/" + w.memory(), seen);
        ok &= refused(b.key(), "PATCH", dlg, seen);
        ok &= refused(b.key(), "POST", dlg + "/messages", seen);
        ok &= refused(b.key(), "DELETE", dlg, seen);
        ok &= refused(b.key(), "DELETE", "/v1/namespaces/" + ns + "/memories/" + w.memory(), seen);
        evidence.check(
                "isolation",
                "Another project's key reads and changes nothing",
                ok,
                "With the key of temporary project B, asked for and tried to change project A's dialogue, messages"
                        + " and memory by their ids.",
                String.join("; ", seen));

        seen.clear();
        ok = empty(b.key(), "/v1/namespaces/" + ns + "/dialogues", seen);
        ok &= empty(b.key(), "/v1/namespaces/" + ns + "/memories", seen);
        ok &= empty(b.key(), "/v1/namespaces/" + ns + "/search?q=" + q, seen);
        ok &= empty(b.key(), "/v1/audit/events?limit=200", seen, a.id());
        ok &= exportHasNoCanary(b.key(), ns, w.canary(), seen);
        evidence.check(
                "isolation",
                "Another project's lists, search, export and audit log show nothing of it",
                ok,
                "With project B's key, listed dialogues and memories and searched for the canary in the namespace"
                        + " where project A holds them, exported that namespace, and read B's audit log.",
                String.join("; ", seen));

        Api.Response foreign = api.get(b.key(), dlg);
        Api.Response unknown = api.get(b.key(), "/v1/namespaces/" + ns + "/dialogues/" + random);
        boolean same = foreign.status() == unknown.status()
                && foreign.errorCode().equals(unknown.errorCode())
                && foreign.text("/error/message").equals(unknown.text("/error/message"));
        evidence.check(
                "isolation",
                "A foreign id is answered like a random one",
                same && foreign.status() == 404,
                "With project B's key, asked for project A's dialogue and for a random id.",
                "Foreign id: " + foreign.summary() + " \"" + foreign.text("/error/message") + "\"; random id: "
                        + unknown.summary() + " \"" + unknown.text("/error/message") + "\"");

        // the same project's key, another namespace
        seen.clear();
        String other = "/v1/namespaces/" + w.otherNamespace();
        ok = refused(a.key(), "GET", other + "/dialogues/" + w.dialogue(), seen);
        ok &= refused(a.key(), "GET", other + "/dialogues/" + w.dialogue() + "/messages/" + w.message(), seen);
        ok &= refused(a.key(), "GET", other + "/memories/" + w.memory(), seen);
        ok &= refused(a.key(), "PATCH", other + "/dialogues/" + w.dialogue(), seen);
        ok &= empty(a.key(), other + "/dialogues", seen);
        ok &= empty(a.key(), other + "/search?q=" + q, seen);
        ok &= exportHasNoCanary(a.key(), w.otherNamespace(), w.canary(), seen);
        evidence.check(
                "isolation",
                "Another namespace of the same project sees nothing",
                ok,
                "With project A's own key, asked for its dialogue, message and memory through another namespace,"
                        + " listed, searched and exported that namespace.",
                String.join("; ", seen));

        long bEvents = api.get(b.key(), "/v1/audit/checkpoint")
                .json()
                .path("tree_size")
                .asLong(0);
        AuditStreamProbe.Seen frames = new AuditStreamProbe(api).read(b.key(), bEvents, Duration.ofSeconds(20));
        evidence.check(
                "isolation",
                "The audit stream carries only the caller's project",
                frames.error() == null && frames.count() >= bEvents && frames.foreign() == 0,
                "Opened project B's live audit stream (WebSocket) from the start and read it up to B's " + bEvents
                        + " events.",
                frames.error() != null
                        ? "The stream failed: " + frames.error()
                        : frames.count() + " events received, " + frames.foreign() + " of another project");
    }

    void access(TemporaryProjects.Temporary a, String mainKey, Written w) {
        Api.Response k = expect(
                201,
                api.post(
                        a.key(),
                        "/v1/keys",
                        Map.of(
                                "name",
                                "evidence allowlist",
                                "capabilities",
                                List.of("read"),
                                "ip_allowlist",
                                List.of("192.0.2.0/24"))),
                "create a key");
        w.entities().add(k.text("/id"));
        Api.Response refused = api.get(k.text("/key"), "/v1/project");
        evidence.check(
                "access",
                "IP allowlist",
                refused.status() == 403 && refused.errorCode().equals("IP_NOT_ALLOWED"),
                "Made a key allowed only from 192.0.2.0/24 (a documentation range no real client uses) and used it.",
                "Answered " + refused.summary());

        Api.Response r = expect(
                201,
                api.post(a.key(), "/v1/keys", Map.of("name", "evidence read-only", "capabilities", List.of("read"))),
                "create a key");
        w.entities().add(r.text("/id"));
        Api.Response write = api.post(r.text("/key"), "/v1/namespaces/" + w.namespace() + "/dialogues", Map.of());
        Api.Response admin = api.get(r.text("/key"), "/v1/keys");
        evidence.check(
                "access",
                "Capabilities",
                write.status() == 403 && admin.status() == 403,
                "Made a read-only key and tried to write a dialogue and to list keys with it.",
                "Write: " + write.summary() + "; list keys: " + admin.summary());

        Api.Response main = api.get(mainKey, "/v1/project");
        String limit = main.header("X-RateLimit-Limit");
        String remaining = main.header("X-RateLimit-Remaining");
        String reset = main.header("X-RateLimit-Reset");
        evidence.check(
                "access",
                "Rate-limit headers",
                limit != null && remaining != null && reset != null,
                "Read the rate-limit headers of GET /v1/project with your key.",
                "X-RateLimit-Limit: " + limit + "; X-RateLimit-Remaining: " + remaining + "; X-RateLimit-Reset: "
                        + reset);
    }

    /** What the given project's settings say about access; read only. */
    void accessSettings(JsonNode project) {
        evidence.pass(
                "access",
                "Plan and allowlist of your project",
                "Read GET /v1/project with your key.",
                "Plan: " + project.path("plan").asString("?") + "; project allowlist: "
                        + (project.path("ip_allowlist").isEmpty()
                                ? "none (any address)"
                                : project.path("ip_allowlist")));
    }

    void governance(TemporaryProjects.Temporary a, TemporaryProjects.Temporary b, Written w) {
        String ns = w.namespace();
        Api.Response d = expect(
                201,
                api.post(b.key(), "/v1/namespaces/" + ns + "/dialogues", Map.of("title", "immutable")),
                "create a dialogue");
        String dlg = "/v1/namespaces/" + ns + "/dialogues/" + d.text("/id");
        Api.Response m = expect(
                201,
                api.post(b.key(), dlg + "/messages", Map.of("role", "user", "content", "kept")),
                "append a message");
        Api.Response edit = api.patch(b.key(), dlg + "/messages/" + m.text("/id"), Map.of("content", "changed"));
        Api.Response del = api.delete(b.key(), dlg + "/messages/" + m.text("/id"));
        evidence.check(
                "governance",
                "Immutable mode",
                edit.errorCode().equals("IMMUTABLE") && del.errorCode().equals("IMMUTABLE"),
                "In temporary project B, created with immutable dialogues, tried to edit and to delete a message.",
                "Edit: " + edit.summary() + "; delete: " + del.summary());

        Api.Response protectedDelete = api.delete(b.key(), "/v1/project");
        Api.Response still = api.get(b.key(), dlg);
        evidence.check(
                "governance",
                "Delete protection",
                protectedDelete.errorCode().equals("DELETE_PROTECTED") && still.status() == 200,
                "Tried to delete temporary project B, created with delete protection, then read its dialogue.",
                "Delete: " + protectedDelete.summary() + "; dialogue afterwards: " + still.summary());

        String aDlg = "/v1/namespaces/" + ns + "/dialogues/" + w.dialogue();
        Api.Response hold = api.patch(a.key(), aDlg, Map.of("legal_hold", true));
        Api.Response heldDelete = api.delete(a.key(), aDlg);
        Api.Response heldErase = api.delete(a.key(), "/v1/namespaces/" + ns);
        Api.Response release = api.patch(a.key(), aDlg, Map.of("legal_hold", false));
        evidence.check(
                "governance",
                "Legal hold",
                hold.status() == 200
                        && heldDelete.errorCode().equals("IMMUTABLE")
                        && heldErase.errorCode().equals("IMMUTABLE")
                        && release.status() == 200,
                "In project A, put its dialogue under legal hold, tried to delete it and to erase its namespace, then"
                        + " released the hold.",
                "Hold: " + hold.summary() + "; delete: " + heldDelete.summary() + "; erase: " + heldErase.summary()
                        + "; release: " + release.summary());

        Api.Response set = api.patch(a.key(), "/v1/project", Map.of("retention", Map.of("dialogue_days", 30)));
        Api.Response preview = api.get(a.key(), "/v1/project/retention/preview");
        boolean kept = set.json().at("/retention/dialogue_days").asInt(-1) == 30
                && preview.status() == 200
                && !preview.body().contains(w.dialogue());
        evidence.check(
                "governance",
                "Retention",
                kept,
                "Set project A's dialogue retention to 30 days and asked for a dry run of the next purge.",
                "Retention now " + set.json().path("retention") + "; purge preview " + preview.summary()
                        + (preview.body().contains(w.dialogue())
                                ? ", which would purge the new dialogue"
                                : ", which keeps the new dialogue"));
    }

    /** Governance settings of your project, as reported (read only). */
    void governanceSettings(JsonNode project) {
        evidence.pass(
                "governance",
                "Settings of your project",
                "Read GET /v1/project with your key.",
                "Immutable dialogues: " + project.path("immutable_dialogues") + "; delete protection: "
                        + project.path("delete_protection") + "; retention: " + project.path("retention")
                        + "; recovery window (days): " + project.path("recovery_window_days"));
    }

    void encryptionStatus(String mainKey, JsonNode project, int maxKeyAgeDays, Instant now) {
        Api.Response r = api.get(mainKey, "/v1/project/encryption-key");
        if (r.status() != 200) {
            evidence.fail(
                    "encryption",
                    "Project key status",
                    "GET /v1/project/encryption-key with your key.",
                    "Answered " + r.summary());
            return;
        }
        JsonNode s = r.json();
        String rotated =
                s.path("rotated_at").asString(project.path("created_at").asString(""));
        Instant since = rotated.isEmpty() ? now : Instant.parse(rotated);
        long days = Duration.between(since, now).toDays();
        evidence.check(
                "encryption",
                "Project key status and age",
                !s.path("revoked").asBoolean(false) && days <= maxKeyAgeDays,
                "GET /v1/project/encryption-key with your key; compared the key's age with the rotation policy of "
                        + maxKeyAgeDays + " days.",
                "Customer-supplied key: " + s.path("customer_key") + "; revoked: " + s.path("revoked")
                        + "; version: " + s.path("version") + "; last rotated: "
                        + (s.path("rotated_at").isNull() ? "never (project created " + rotated + ")" : rotated)
                        + "; age " + days + " days");
    }

    private boolean refused(String key, String method, String path, List<String> seen) {
        Object body =
                switch (method) {
                    case "PATCH" -> Map.of("title", "overwritten by another tenant");
                    case "POST" -> Map.of("role", "user", "content", "written by another tenant");
                    default -> null;
                };
        Api.Response r = api.send(method, path, key, body, Map.of());
        seen.add(method + " " + shortPath(path) + " → " + r.summary());
        return r.status() == 404;
    }

    private boolean empty(String key, String path, List<String> seen) {
        return empty(key, path, seen, null);
    }

    private boolean empty(
            String key, String path, List<String> seen, @org.jspecify.annotations.Nullable String absent) {
        Api.Response r = api.get(key, path);
        boolean ok = r.status() == 200
                && (absent == null ? r.json().path("data").isEmpty() : !r.body().contains(absent));
        seen.add("GET " + shortPath(path) + " → " + r.status()
                + (absent == null
                        ? ", " + r.json().path("data").size() + " items"
                        : (ok ? ", none of A's" : ", with A's events")));
        return ok;
    }

    private boolean exportHasNoCanary(String key, String ns, String canary, List<String> seen) {
        Api.Response link = api.post(key, "/v1/namespaces/" + ns + "/export", null);
        if (link.status() != 200 && link.status() != 201) {
            seen.add("export → " + link.summary());
            return false;
        }
        Api.Response export = api.get(null, link.text("/url"));
        boolean ok = export.status() == 200 && !export.body().contains(canary);
        seen.add("export → " + export.status() + (ok ? ", without the canary" : ", WITH the canary"));
        return ok;
    }

    private static String shortPath(String path) {
        return path.replaceAll("/v1/namespaces/[^/]+", "/v1/namespaces/{ns}")
                .replaceAll("\\?q=.*", "?q={canary}")
                .replaceAll("dlg_[0-9a-f]+", "{dialogue}")
                .replaceAll("msg_[0-9a-f]+", "{message}")
                .replaceAll("mem_[0-9a-f]+", "{memory}");
    }

    private static Api.Response expect(int status, Api.Response r, String what) {
        if (r.status() != status) {
            throw new ProbeFailed("Could not " + what + ": the server answered " + r.summary());
        }
        return r;
    }

    /** A step the probes need could not be done (the server refused it): the run stops and says so. */
    static final class ProbeFailed extends RuntimeException {
        ProbeFailed(String message) {
            super(message);
        }
    }

    static Map<String, Object> settings(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }
}
