package io.colloquy.memories;

import io.colloquy.screening.PiiRedactor;
import io.colloquy.tenant.Namespace;
import io.colloquy.tenant.Tenant;
import io.colloquy.web.JsonBody;
import io.colloquy.web.Metadata;
import io.colloquy.web.Page;
import io.colloquy.web.PageRequest;
import io.colloquy.web.Timestamps;
import io.colloquy.web.ValidationFailed;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code /v1/namespaces/{ns}/memories}. */
@RestController
@RequestMapping("/v1/namespaces/{ns}/memories")
class MemoryController {
    private final MemoryService memories;

    MemoryController(MemoryService memories) {
        this.memories = memories;
    }

    /** {@code POST /v1/namespaces/{ns}/memories}. */
    record CreateMemory(
            @Nullable String content,
            @Nullable String kind,
            @Nullable ObjectNode metadata,
            @Nullable Instant expiresAt,
            @Nullable String id,
            @Nullable JsonNode value,
            @Nullable String label,
            @Nullable String description) {}

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    MemoryView create(Tenant tenant, @RequestBody CreateMemory body) {
        Namespace namespace = tenant.namespace();
        Memory.Kind kind = Memory.Kind.fromWire(body.kind())
                .orElseThrow(() -> ValidationFailed.of("kind", "is required: short_term or long_term"));
        String value = body.value() == null || body.value().isNull()
                ? null
                : Metadata.canonicalJson(body.value(), "value", MemoryService.MAX_VALUE_BYTES);
        return MemoryView.of(memories.create(
                tenant.projectId(),
                namespace,
                new MemoryService.NewMemory(
                        kind,
                        body.content() == null && value != null ? null : memories.content(body.content()),
                        Metadata.of(body.metadata(), "metadata"),
                        Timestamps.requireInRange(body.expiresAt(), "expires_at"),
                        body.id(),
                        value,
                        text(body.label(), "label", MemoryService.MAX_LABEL_CHARS),
                        text(body.description(), "description", MemoryService.MAX_DESCRIPTION_CHARS))));
    }

    private static @Nullable String text(@Nullable String text, String field, int maxChars) {
        if (text != null && text.codePointCount(0, text.length()) > maxChars) {
            throw ValidationFailed.of(field, "must be at most " + maxChars + " characters");
        }
        return text;
    }

    @GetMapping
    Page<MemoryView> list(
            Tenant tenant,
            @RequestParam(required = false) @Nullable String kind,
            @RequestParam(required = false) @Nullable String limit,
            @RequestParam(required = false) @Nullable String cursor,
            @RequestParam(required = false) @Nullable String redact,
            @RequestParam java.util.Map<String, String> query) {
        java.util.function.UnaryOperator<String> out = PiiRedactor.forParameter(redact);
        Memory.Kind k = kind == null
                ? null
                : Memory.Kind.fromWire(kind)
                        .orElseThrow(() -> ValidationFailed.of("kind", "must be short_term or long_term"));
        Page<Memory> page = memories.list(
                tenant.projectId(),
                tenant.namespace(),
                k,
                io.colloquy.web.ListFilters.of(query),
                PageRequest.of(limit, cursor));
        return new Page<>(
                page.data().stream().map(m -> MemoryView.of(m).redacted(out)).toList(), page.nextCursor());
    }

    @GetMapping("/{id}")
    MemoryView get(Tenant tenant, @PathVariable String id, @RequestParam(required = false) @Nullable String redact) {
        java.util.function.UnaryOperator<String> out = PiiRedactor.forParameter(redact);
        return MemoryView.of(memories.get(tenant.projectId(), tenant.namespace(), id))
                .redacted(out);
    }

    @PatchMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
    MemoryView update(Tenant tenant, @PathVariable String id, @RequestBody JsonNode body) {
        JsonBody patch = JsonBody.of(body);
        String kindText = patch.text("kind", 1, 32);
        Memory.Kind kind =
                kindText == null ? null : Memory.Kind.fromWire(kindText).orElse(null);
        if ((kindText != null && kind == null) || patch.isNull("kind")) {
            patch.problem("kind", "must be short_term or long_term");
        }
        boolean hasContent = patch.has("content") && !patch.isNull("content");
        String content = patch.text("content", 0, Integer.MAX_VALUE);
        ObjectNode metadata = patch.object("metadata");
        Instant expiresAt = patch.timestamp("expires_at");
        String label = patch.text("label", 0, MemoryService.MAX_LABEL_CHARS);
        String description = patch.text("description", 0, MemoryService.MAX_DESCRIPTION_CHARS);
        patch.validate();
        if (hasContent) {
            content = memories.content(content);
        }
        JsonNode valueNode = body.get("value");
        String value = valueNode == null || valueNode.isNull()
                ? null
                : Metadata.canonicalJson(valueNode, "value", MemoryService.MAX_VALUE_BYTES);
        return MemoryView.of(memories.update(
                tenant.projectId(),
                tenant.namespace(),
                id,
                new MemoryService.MemoryChanges(
                        kind,
                        content,
                        patch.isNull("metadata")
                                ? Metadata.empty()
                                : metadata == null ? null : Metadata.of(metadata, "metadata"),
                        expiresAt,
                        patch.isNull("expires_at"),
                        patch.isNull("content"),
                        value,
                        patch.isNull("value"),
                        label,
                        patch.isNull("label"),
                        description,
                        patch.isNull("description"))));
    }

    @PostMapping("/{id}/restore")
    MemoryView restore(Tenant tenant, @PathVariable String id) {
        return MemoryView.of(memories.restore(tenant.projectId(), tenant.namespace(), id));
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(Tenant tenant, @PathVariable String id) {
        memories.delete(tenant.projectId(), tenant.namespace(), id);
    }
}
