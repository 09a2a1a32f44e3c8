package io.colloquy.dialogues;

import io.colloquy.dialogues.DialogueRequests.AppendMessages;
import io.colloquy.dialogues.DialogueRequests.CreateDialogue;
import io.colloquy.dialogues.DialogueRequests.DialogueByKey;
import io.colloquy.dialogues.DialogueRequests.MessageInput;
import io.colloquy.dialogues.DialogueViews.DialogueView;
import io.colloquy.dialogues.DialogueViews.MessageBatchView;
import io.colloquy.dialogues.DialogueViews.MessageView;
import io.colloquy.dialogues.DialogueViews.StateView;
import io.colloquy.keys.Capability;
import io.colloquy.screening.PiiRedactor;
import io.colloquy.tenant.Namespace;
import io.colloquy.tenant.RequestContext;
import io.colloquy.tenant.Tenant;
import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.JsonBody;
import io.colloquy.web.ListFilters;
import io.colloquy.web.Metadata;
import io.colloquy.web.Page;
import io.colloquy.web.PageRequest;
import io.colloquy.web.ValidationFailed;
import jakarta.validation.Valid;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** {@code /v1/namespaces/{ns}/dialogues}: dialogues and their messages. */
@RestController
@RequestMapping("/v1/namespaces/{ns}/dialogues")
class DialogueController {
    private final DialogueService dialogues;

    DialogueController(DialogueService dialogues) {
        this.dialogues = dialogues;
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    DialogueView create(Tenant tenant, @Valid @RequestBody CreateDialogue body) {
        return DialogueView.of(dialogues.create(
                tenant.projectId(),
                tenant.namespace(),
                new DialogueService.NewDialogue(
                        body.title(),
                        Metadata.of(body.metadata(), "metadata"),
                        body.tags() == null ? List.of() : body.tags(),
                        body.status() == null ? Dialogue.Status.ACTIVE : status(body.status(), "status"),
                        body.parentId(),
                        body.key())));
    }

    /** Get-or-create by the application's own key: 201 when created (with the body's fields), 200 otherwise. */
    @PutMapping("/by-key/{key}")
    ResponseEntity<DialogueView> putByKey(
            Tenant tenant,
            @PathVariable String key,
            @Valid @RequestBody(required = false) @Nullable DialogueByKey body) {
        DialogueService.NewDialogue fields = body == null
                ? new DialogueService.NewDialogue(null, Metadata.empty(), List.of())
                : new DialogueService.NewDialogue(
                        body.title(),
                        Metadata.of(body.metadata(), "metadata"),
                        body.tags() == null ? List.of() : body.tags());
        DialogueService.ByKey found = dialogues.getOrCreate(tenant.projectId(), tenant.namespace(), key, fields);
        return ResponseEntity.status(found.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(DialogueView.of(found.dialogue()));
    }

    /**
     * The dialogue holding a key. {@code /by-key/messages} is mapped by name: the router would otherwise give
     * it to {@code /{id}/messages}, whose pattern is longer.
     */
    @GetMapping({"/by-key/{key}", "/by-key/messages"})
    DialogueView getByKey(Tenant tenant, @PathVariable(required = false) @Nullable String key) {
        return DialogueView.of(
                dialogues.getByKey(tenant.projectId(), tenant.namespace(), key == null ? "messages" : key));
    }

    @GetMapping
    Page<DialogueView> list(
            Tenant tenant,
            @RequestParam(required = false) @Nullable String tag,
            @RequestParam(required = false) @Nullable String limit,
            @RequestParam(required = false) @Nullable String cursor,
            @RequestParam(required = false) @Nullable String status,
            @RequestParam java.util.Map<String, String> query) {
        var filter = new DialogueService.DialogueFilter(
                tag, status == null ? null : status(status, "status"), ListFilters.of(query));
        Page<Dialogue> page =
                dialogues.list(tenant.projectId(), tenant.namespace(), filter, PageRequest.of(limit, cursor));
        return new Page<>(page.data().stream().map(DialogueView::of).toList(), page.nextCursor());
    }

    @GetMapping("/{id}")
    DialogueView get(Tenant tenant, @PathVariable String id) {
        return DialogueView.of(dialogues.get(tenant.projectId(), tenant.namespace(), id));
    }

    @PatchMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
    DialogueView update(RequestContext context, @PathVariable String id, @RequestBody JsonNode body) {
        JsonBody patch = JsonBody.of(body);
        String title = patch.text("title", 0, DialogueService.MAX_TITLE_CHARS);
        boolean clearTitle = patch.isNull("title");
        var metadata = patch.object("metadata");
        boolean clearMetadata = patch.isNull("metadata");
        List<String> tags = patch.strings("tags", DialogueService.MAX_TAGS, DialogueService.MAX_TAG_CHARS);
        boolean clearTags = patch.isNull("tags");
        Boolean legalHold = patch.bool("legal_hold");
        if (patch.isNull("legal_hold")) {
            patch.problem("legal_hold", "must be a boolean");
        }
        String statusText = patch.text("status", 0, 32);
        Dialogue.Status status =
                statusText == null ? null : Dialogue.Status.fromWire(statusText).orElse(null);
        if ((statusText != null && status == null) || patch.isNull("status")) {
            patch.problem("status", STATUS_PROBLEM);
        }
        patch.validate();
        if (legalHold != null && !context.can(Capability.ADMIN)) {
            throw new ApiException(ErrorCode.FORBIDDEN, "Only an admin key can place or release a legal hold.");
        }
        Tenant tenant = context.tenant();
        return DialogueView.of(dialogues.update(
                tenant.projectId(),
                tenant.namespace(),
                id,
                new DialogueService.DialogueChanges(
                        title,
                        clearTitle,
                        clearMetadata ? Metadata.empty() : metadata == null ? null : Metadata.of(metadata, "metadata"),
                        clearTags ? List.of() : tags,
                        legalHold,
                        status)));
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(Tenant tenant, @PathVariable String id) {
        dialogues.delete(tenant.projectId(), tenant.namespace(), id);
    }

    @PostMapping("/{id}/restore")
    DialogueView restore(Tenant tenant, @PathVariable String id) {
        return DialogueView.of(dialogues.restore(tenant.projectId(), tenant.namespace(), id));
    }

    @PostMapping(path = "/{id}/messages", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> append(Tenant tenant, @PathVariable String id, @Valid @RequestBody AppendMessages body) {
        Namespace namespace = tenant.namespace();
        if (body.messages() != null) {
            if (body.role() != null || body.content() != null || body.metadata() != null) {
                throw ValidationFailed.of("messages", "send either one message or {\"messages\": [...]}, not both");
            }
            List<DialogueService.NewMessage> batch = new ArrayList<>();
            for (int i = 0; i < body.messages().size(); i++) {
                MessageInput m = body.messages().get(i);
                if (m == null) {
                    throw ValidationFailed.of("messages[" + i + "]", "must be an object");
                }
                batch.add(newMessage(m.role(), m.content(), m.metadata(), "messages[" + i + "]."));
            }
            List<MessageView> appended = dialogues.append(tenant.projectId(), namespace, id, batch).stream()
                    .map(MessageView::of)
                    .toList();
            return ResponseEntity.status(HttpStatus.CREATED).body(new MessageBatchView(appended));
        }
        DialogueService.NewMessage one = newMessage(body.role(), body.content(), body.metadata(), "");
        Message appended = dialogues
                .append(tenant.projectId(), namespace, id, List.of(one))
                .getFirst();
        return ResponseEntity.status(HttpStatus.CREATED).body(MessageView.of(appended));
    }

    /** The header of a message page that tells the dialogue's revision as of the page (see {@link Dialogue}). */
    static final String REVISION_HEADER = "Colloquy-Dialogue-Revision";

    @GetMapping("/{id}/messages")
    ResponseEntity<Page<MessageView>> messages(
            Tenant tenant,
            @PathVariable String id,
            @RequestParam(name = "after_seq", required = false) @Nullable String afterSeq,
            @RequestParam(required = false) @Nullable String limit,
            @RequestParam(required = false) @Nullable String cursor,
            @RequestParam(required = false) @Nullable String redact) {
        UnaryOperator<String> out = PiiRedactor.forParameter(redact);
        long after = 0;
        if (afterSeq != null && !afterSeq.isEmpty()) {
            try {
                after = Long.parseLong(afterSeq);
            } catch (NumberFormatException e) {
                after = -1;
            }
            if (after < 0) {
                throw ValidationFailed.of("after_seq", "must be a non-negative integer");
            }
        }
        DialogueService.MessagePage read =
                dialogues.messages(tenant.projectId(), tenant.namespace(), id, after, PageRequest.of(limit, cursor));
        Page<Message> page = read.page();
        return ResponseEntity.ok()
                .header(REVISION_HEADER, Long.toString(read.revision()))
                .body(new Page<>(
                        page.data().stream()
                                .map(m -> MessageView.of(m).redacted(out))
                                .toList(),
                        page.nextCursor()));
    }

    @GetMapping("/{id}/messages/{mid}")
    MessageView message(
            Tenant tenant,
            @PathVariable String id,
            @PathVariable String mid,
            @RequestParam(required = false) @Nullable String redact) {
        UnaryOperator<String> out = PiiRedactor.forParameter(redact);
        return MessageView.of(dialogues.message(tenant.projectId(), tenant.namespace(), id, mid))
                .redacted(out);
    }

    @DeleteMapping("/{id}/messages/{mid}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void deleteMessage(Tenant tenant, @PathVariable String id, @PathVariable String mid) {
        dialogues.deleteMessage(tenant.projectId(), tenant.namespace(), id, mid);
    }

    @GetMapping("/{id}/threads")
    Page<DialogueView> threads(
            Tenant tenant,
            @PathVariable String id,
            @RequestParam(required = false) @Nullable String limit,
            @RequestParam(required = false) @Nullable String cursor) {
        Page<Dialogue> page =
                dialogues.threads(tenant.projectId(), tenant.namespace(), id, PageRequest.of(limit, cursor));
        return new Page<>(page.data().stream().map(DialogueView::of).toList(), page.nextCursor());
    }

    @GetMapping("/{id}/state")
    ResponseEntity<StateView> state(Tenant tenant, @PathVariable String id) {
        return stateResponse(dialogues.state(tenant.projectId(), tenant.namespace(), id));
    }

    @PutMapping(path = "/{id}/state", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<StateView> replaceState(
            Tenant tenant,
            @PathVariable String id,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) @Nullable String ifMatch,
            @RequestBody JsonNode body) {
        return stateResponse(
                dialogues.changeState(tenant.projectId(), tenant.namespace(), id, body, false, version(ifMatch)));
    }

    @PatchMapping(
            path = "/{id}/state",
            consumes = {MediaType.APPLICATION_JSON_VALUE, "application/merge-patch+json"})
    ResponseEntity<StateView> mergeState(
            Tenant tenant,
            @PathVariable String id,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) @Nullable String ifMatch,
            @RequestBody JsonNode body) {
        return stateResponse(
                dialogues.changeState(tenant.projectId(), tenant.namespace(), id, body, true, version(ifMatch)));
    }

    @PatchMapping(path = "/{id}/messages/{mid}", consumes = MediaType.APPLICATION_JSON_VALUE)
    MessageView editMessage(
            Tenant tenant, @PathVariable String id, @PathVariable String mid, @RequestBody JsonNode body) {
        JsonBody patch = JsonBody.of(body);
        boolean hasContent = patch.has("content");
        String content = patch.text("content", 0, Integer.MAX_VALUE);
        var metadata = patch.object("metadata");
        if (patch.isNull("content")) {
            patch.problem("content", "must be a string");
        }
        patch.validate();
        if (hasContent) {
            content = dialogues.content(content, "content");
        }
        return MessageView.of(dialogues.editMessage(
                tenant.projectId(),
                tenant.namespace(),
                id,
                mid,
                content,
                patch.isNull("metadata")
                        ? Metadata.empty()
                        : metadata == null ? null : Metadata.of(metadata, "metadata")));
    }

    private static final String STATUS_PROBLEM = "must be active, ended or archived";

    private static Dialogue.Status status(String text, String field) {
        return Dialogue.Status.fromWire(text).orElseThrow(() -> ValidationFailed.of(field, STATUS_PROBLEM));
    }

    private static ResponseEntity<StateView> stateResponse(DialogueService.DialogueState state) {
        return ResponseEntity.ok().eTag("\"" + state.version() + "\"").body(StateView.of(state));
    }

    /**
     * The version an {@code If-Match} names ({@code "3"}, {@code W/"3"} or {@code 3}); null without one or
     * for {@code *}; a value naming no version can match none (-1: 412).
     */
    private static @Nullable Long version(@Nullable String ifMatch) {
        if (ifMatch == null || ifMatch.isBlank() || ifMatch.strip().equals("*")) {
            return null;
        }
        String v = ifMatch.strip();
        if (v.startsWith("W/")) {
            v = v.substring(2);
        }
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            v = v.substring(1, v.length() - 1);
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return -1L;
        }
    }

    private DialogueService.NewMessage newMessage(
            @Nullable String role,
            @Nullable String content,
            tools.jackson.databind.node.@Nullable ObjectNode metadata,
            String prefix) {
        if (role == null) {
            throw ValidationFailed.of(prefix + "role", "is required: one of user, assistant, system, tool");
        }
        Message.Role parsed;
        try {
            parsed = Message.Role.valueOf(role.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ValidationFailed.of(prefix + "role", "must be one of user, assistant, system, tool");
        }
        if (!parsed.wireName().equals(role)) {
            throw ValidationFailed.of(prefix + "role", "must be one of user, assistant, system, tool");
        }
        return new DialogueService.NewMessage(
                parsed, dialogues.content(content, prefix + "content"), Metadata.of(metadata, prefix + "metadata"));
    }
}
