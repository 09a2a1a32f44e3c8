package io.colloquy.dialogues;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/** Request bodies of the dialogue endpoints. */
final class DialogueRequests {
    private DialogueRequests() {}

    /** {@code POST /v1/namespaces/{ns}/dialogues}. */
    record CreateDialogue(
            @Nullable String key,

            @Size(max = DialogueService.MAX_TITLE_CHARS, message = "must be at most 512 characters") @Nullable
            String title,

            @Nullable ObjectNode metadata,

            @Size(max = DialogueService.MAX_TAGS, message = "must have at most 32 tags") @Nullable
            List<
                            @NotNull(message = "each tag must be a string of 1 to 64 characters")
                            @Size(
                                    min = 1,
                                    max = DialogueService.MAX_TAG_CHARS,
                                    message = "each tag must be 1 to 64 characters")
                            String>
                    tags,

            @Nullable String status,
            @Nullable String parentId) {}

    /** {@code PUT .../dialogues/by-key/{key}}: the fields used only if the dialogue is created. */
    record DialogueByKey(
            @Size(max = DialogueService.MAX_TITLE_CHARS, message = "must be at most 512 characters") @Nullable
            String title,

            @Nullable ObjectNode metadata,

            @Size(max = DialogueService.MAX_TAGS, message = "must have at most 32 tags") @Nullable
            List<
                            @NotNull(message = "each tag must be a string of 1 to 64 characters")
                            @Size(
                                    min = 1,
                                    max = DialogueService.MAX_TAG_CHARS,
                                    message = "each tag must be 1 to 64 characters")
                            String>
                    tags) {}

    /** {@code POST .../messages}: one message, or {@code {"messages": [...]}} (at most 100). */
    record AppendMessages(
            @Nullable String role,
            @Nullable String content,
            @Nullable ObjectNode metadata,

            @Size(min = 1, max = DialogueService.MAX_BATCH, message = "must hold 1 to 100 messages") @Valid @Nullable
            List<MessageInput> messages) {}

    record MessageInput(
            @Nullable String role,
            @Nullable String content,
            @Nullable ObjectNode metadata) {}
}
