package io.colloquy.search;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.colloquy.dialogues.Message;
import io.colloquy.memories.Memory;
import io.colloquy.platform.Ids;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A search hit as the API shows it (over HTTP and as MCP tool results): a message or a memory. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HitView(
        String type,
        String id,
        @Nullable String dialogueId,
        @Nullable Long seq,
        @Nullable String role,
        @Nullable String kind,
        double score,
        @Nullable String content,
        Instant createdAt) {

    public static HitView of(SearchService.Hit h) {
        if (h.message() != null) {
            Message m = h.message();
            return new HitView(
                    "message",
                    Ids.format("msg", m.id()),
                    Ids.format("dlg", m.dialogueId()),
                    m.seq(),
                    m.role().wireName(),
                    null,
                    h.score(),
                    m.content(),
                    m.createdAt());
        }
        Memory m = h.memory();
        return new HitView(
                "memory", m.publicId(), null, null, null, m.kind().wireName(), h.score(), m.content(), m.createdAt());
    }

    /** This hit with its content passed through {@code redact} (see {@code PiiRedactor.forParameter}). */
    public HitView redacted(java.util.function.UnaryOperator<String> redact) {
        return new HitView(
                type,
                id,
                dialogueId,
                seq,
                role,
                kind,
                score,
                content == null ? null : redact.apply(content),
                createdAt);
    }
}
