package io.colloquy.dialogues;

import io.colloquy.platform.Ids;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/** Dialogues and messages as the API shows them (over HTTP and as MCP tool results). */
public final class DialogueViews {
    private DialogueViews() {}

    public record DialogueView(
            String id,
            String namespace,
            @Nullable String key,
            @Nullable String title,
            ObjectNode metadata,
            List<String> tags,
            int messageCount,
            boolean legalHold,
            Instant createdAt,
            Instant updatedAt,
            String status,
            @Nullable String parentId,
            int threadCount,
            long revision) {

        public static DialogueView of(Dialogue d) {
            return new DialogueView(
                    Ids.format("dlg", d.id()),
                    d.namespace(),
                    d.key(),
                    d.title(),
                    d.metadata().value(),
                    d.tags(),
                    d.messageCount(),
                    d.legalHold(),
                    d.createdAt(),
                    d.updatedAt(),
                    d.status().wireName(),
                    d.parentId() == null ? null : Ids.format("dlg", d.parentId()),
                    d.threadCount(),
                    d.revision());
        }
    }

    public record MessageView(
            String id,
            String dialogueId,
            long seq,
            String role,
            String content,
            ObjectNode metadata,
            Instant createdAt,
            @Nullable Instant updatedAt,
            @Nullable MessageScreeningView screening) {

        public static MessageView of(Message m) {
            return new MessageView(
                    Ids.format("msg", m.id()),
                    Ids.format("dlg", m.dialogueId()),
                    m.seq(),
                    m.role().wireName(),
                    m.content(),
                    m.metadata().value(),
                    m.createdAt(),
                    m.updatedAt(),
                    m.screening() == null ? null : MessageScreeningView.of(m.screening()));
        }

        /** This view with its content passed through {@code redact} (see {@code PiiRedactor.forParameter}). */
        public MessageView redacted(java.util.function.UnaryOperator<String> redact) {
            return new MessageView(
                    id, dialogueId, seq, role, redact.apply(content), metadata, createdAt, updatedAt, screening);
        }
    }

    /**
     * A message's prompt-injection screening: {@code score} 0 (nothing found) to 1, and its {@code labels}; set by the
     * server on every write, never by the client (docs/screening.md). Null for messages stored before screening.
     */
    public record MessageScreeningView(double score, List<String> labels) {
        static MessageScreeningView of(io.colloquy.screening.Screening s) {
            return new MessageScreeningView(s.score(), s.labels());
        }
    }

    public record MessageBatchView(List<MessageView> data) {}

    /** {@code GET|PUT|PATCH .../dialogues/{id}/state}; the version is also the response's {@code ETag}. */
    record StateView(String dialogueId, ObjectNode state, long stateVersion) {
        static StateView of(DialogueService.DialogueState s) {
            return new StateView(Ids.format("dlg", s.dialogueId()), s.state(), s.version());
        }
    }
}
