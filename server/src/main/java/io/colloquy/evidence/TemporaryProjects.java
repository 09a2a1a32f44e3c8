package io.colloquy.evidence;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The temporary projects a run makes with the operator token (one plain, one immutable with delete protection), the
 * ids its probes created in them, and their deletion at the end with the signed receipts kept.
 */
final class TemporaryProjects {
    /** A project made for the run: its public id and admin key. */
    record Temporary(String id, String key) {}

    /** A signed deletion receipt as the API answered it. */
    record Receipt(String project, String signedText, String signature, String keyId) {}

    private final Api api;
    private final String operatorToken;
    private final String label;
    private final List<Temporary> made = new ArrayList<>();

    TemporaryProjects(Api api, String operatorToken, String label) {
        this.api = api;
        this.operatorToken = operatorToken;
        this.label = label;
    }

    /** A new project, or null (with the answer) when the operator token is refused. */
    Temporary create(String suffix, Map<String, Object> settings) {
        Map<String, Object> body = new java.util.LinkedHashMap<>(settings);
        body.put("name", label + " " + suffix);
        Api.Response r = api.post(operatorToken, "/v1/projects", body);
        if (r.status() != 201) {
            throw new Refused("POST /v1/projects with the operator token answered " + r.summary());
        }
        Temporary t = new Temporary(r.text("/project/id"), r.text("/key/key"));
        made.add(t);
        return t;
    }

    List<Temporary> made() {
        return List.copyOf(made);
    }

    /** Deletes a project made here (lifting its delete protection first); the receipt, or null when refused. */
    @Nullable
    Receipt delete(Temporary t) {
        api.patch(t.key(), "/v1/project", Map.of("delete_protection", false));
        Api.Response r = api.delete(t.key(), "/v1/project");
        if (r.status() != 200) {
            return null;
        }
        made.remove(t);
        return new Receipt(t.id(), r.text("/signed_text"), r.text("/signature"), r.text("/key_id"));
    }

    /** Deletes whatever is left (after a probe failed half-way); best effort. */
    void deleteRemaining() {
        for (Temporary t : List.copyOf(made)) {
            try {
                delete(t);
            } catch (RuntimeException e) {
                // reported by the caller: the project stays
            }
        }
    }

    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message);
        }
    }
}
