package io.colloquy.dialogues;

import io.colloquy.audit.Action;
import io.colloquy.audit.AuditLog;
import io.colloquy.audit.EntityType;
import io.colloquy.audit.ProjectDeleting;
import io.colloquy.platform.ColloquySettings;
import io.colloquy.platform.Ids;
import io.colloquy.tenancy.Namespace;
import io.colloquy.tenancy.ProjectService;
import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.Metadata;
import io.colloquy.web.NotFound;
import io.colloquy.web.Page;
import io.colloquy.web.PageRequest;
import io.colloquy.web.ValidationFailed;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;

/**
 * Dialogues and their messages, in the current tenant transaction. Immutable projects and dialogues
 * under legal hold refuse every edit and delete (409 IMMUTABLE); appends are always allowed.
 */
@Service
public class DialogueService {
    public static final int MAX_TITLE_CHARS = 512;
    public static final int MAX_TAGS = 32;
    public static final int MAX_TAG_CHARS = 64;
    public static final int MAX_BATCH = 100;

    private final DialogueRepository dialogues;
    private final ProjectService projects;
    private final AuditLog audit;
    private final Clock clock;
    private final int maxContentChars;

    DialogueService(
            DialogueRepository dialogues,
            ProjectService projects,
            AuditLog audit,
            ColloquySettings settings,
            Clock clock) {
        this.dialogues = dialogues;
        this.projects = projects;
        this.audit = audit;
        this.clock = clock;
        this.maxContentChars = settings.limits().messageContentMaxChars();
    }

    /** A new dialogue's fields, validated by the caller. */
    public record NewDialogue(@Nullable String title, Metadata metadata, List<String> tags) {}

    /** A message to append. */
    public record NewMessage(Message.Role role, String content, Metadata metadata) {}

    /** Changes to a dialogue; null leaves a field as it is ({@code clearTitle} sets the title to null). */
    public record DialogueChanges(
            @Nullable String title,
            boolean clearTitle,
            @Nullable Metadata metadata,
            @Nullable List<String> tags,
            @Nullable Boolean legalHold) {}

    public Dialogue create(UUID project, Namespace ns, NewDialogue d) {
        Instant now = clock.instant();
        Dialogue dialogue = new Dialogue(
                project, ns.name(), Ids.newId(), d.title(), d.metadata(), List.copyOf(d.tags()), 0, 0, false, now, now);
        dialogues.insert(dialogue, digests(dialogue.tags()));
        audit.record(change(dialogue, Action.CREATED));
        return dialogue;
    }

    public Dialogue get(UUID project, Namespace ns, String publicId) {
        return dialogues.find(project, ns.name(), id(publicId), false).orElseThrow(DialogueNotFound::new);
    }

    public Page<Dialogue> list(UUID project, Namespace ns, @Nullable String tag, PageRequest page) {
        UUID after = page.after() == null ? null : Ids.fromHex(page.after()).orElseThrow(DialogueService::badCursor);
        Long digest = tag == null ? null : digest(tag);
        return page.page(dialogues.list(project, ns.name(), after, digest, page.limit() + 1), d -> Ids.hex(d.id()));
    }

    public Dialogue update(UUID project, Namespace ns, String publicId, DialogueChanges changes) {
        Dialogue d = dialogues.find(project, ns.name(), id(publicId), true).orElseThrow(DialogueNotFound::new);
        boolean edits =
                changes.title() != null || changes.clearTitle() || changes.metadata() != null || changes.tags() != null;
        if (edits) {
            requireEditable(project, d);
        }
        Dialogue updated = new Dialogue(
                d.projectId(),
                d.namespace(),
                d.id(),
                changes.clearTitle() ? null : changes.title() != null ? changes.title() : d.title(),
                changes.metadata() != null ? changes.metadata() : d.metadata(),
                changes.tags() != null ? List.copyOf(changes.tags()) : d.tags(),
                d.messageCount(),
                d.lastSeq(),
                changes.legalHold() != null ? changes.legalHold() : d.legalHold(),
                d.createdAt(),
                clock.instant());
        dialogues.update(updated, digests(updated.tags()));
        audit.record(change(updated, Action.UPDATED));
        return updated;
    }

    public void delete(UUID project, Namespace ns, String publicId) {
        Dialogue d = dialogues.find(project, ns.name(), id(publicId), true).orElseThrow(DialogueNotFound::new);
        requireEditable(project, d);
        recordDeletion(project, d.namespace(), d.id(), null);
        dialogues.delete(project, ns.name(), d.id());
    }

    /** Appends messages with consecutive seqs; all or nothing. */
    public List<Message> append(UUID project, Namespace ns, String dialoguePublicId, List<NewMessage> batch) {
        if (batch.isEmpty() || batch.size() > MAX_BATCH) {
            throw ValidationFailed.of("messages", "must hold 1 to " + MAX_BATCH + " messages");
        }
        UUID dialogue = id(dialoguePublicId);
        Instant now = clock.instant();
        long last = dialogues
                .reserveSeqs(project, ns.name(), dialogue, batch.size(), now)
                .orElseThrow(DialogueNotFound::new);
        long seq = last - batch.size() + 1;
        List<Message> messages = new ArrayList<>(batch.size());
        for (NewMessage m : batch) {
            messages.add(new Message(
                    project, ns.name(), dialogue, Ids.newId(), seq++, m.role(), m.content(), m.metadata(), now));
        }
        dialogues.insertMessages(messages);
        audit.recordAll(messages.stream().map(DialogueService::change).toList());
        return messages;
    }

    public Page<Message> messages(
            UUID project, Namespace ns, String dialoguePublicId, long afterSeq, PageRequest page) {
        Dialogue d = get(project, ns, dialoguePublicId);
        long after = afterSeq;
        if (page.after() != null) {
            try {
                after = Long.parseLong(page.after());
            } catch (NumberFormatException e) {
                throw badCursor();
            }
        }
        return page.page(
                dialogues.messages(project, ns.name(), d.id(), after, page.limit() + 1), m -> Long.toString(m.seq()));
    }

    public Message message(UUID project, Namespace ns, String dialoguePublicId, String messagePublicId) {
        Dialogue d = get(project, ns, dialoguePublicId);
        UUID id = Ids.parse("msg", messagePublicId).orElseThrow(MessageNotFound::new);
        return dialogues.message(project, ns.name(), d.id(), id).orElseThrow(MessageNotFound::new);
    }

    public void deleteMessage(UUID project, Namespace ns, String dialoguePublicId, String messagePublicId) {
        Dialogue d =
                dialogues.find(project, ns.name(), id(dialoguePublicId), true).orElseThrow(DialogueNotFound::new);
        UUID id = Ids.parse("msg", messagePublicId).orElseThrow(MessageNotFound::new);
        dialogues.message(project, ns.name(), d.id(), id).orElseThrow(MessageNotFound::new);
        requireEditable(project, d);
        dialogues.deleteMessage(project, ns.name(), d.id(), id, clock.instant());
        audit.record(AuditLog.Change.of(
                project, ns.name(), EntityType.MESSAGE, Ids.format("msg", id), Action.DELETED, null));
    }

    /** Validates message content against the configured limit. */
    public String content(@Nullable String content, String field) {
        if (content == null) {
            throw ValidationFailed.of(field, "is required");
        }
        int chars = content.codePointCount(0, content.length());
        if (chars < 1 || chars > maxContentChars) {
            throw ValidationFailed.of(field, "must be 1 to " + maxContentChars + " characters");
        }
        return content;
    }

    /** A project is being deleted: each of its dialogues and messages gets a deleted event under it. */
    @EventListener
    void onProjectDeleting(ProjectDeleting deleting) {
        for (DialogueRepository.Ref d : dialogues.all(deleting.projectId())) {
            recordDeletion(deleting.projectId(), d.namespace(), d.id(), deleting.parentEventId());
        }
    }

    /** The dialogue's deleted event, then one per message, each pointing at the dialogue's event. */
    private void recordDeletion(UUID project, String ns, UUID dialogue, @Nullable UUID parent) {
        UUID event = audit.record(
                AuditLog.Change.of(project, ns, EntityType.DIALOGUE, Ids.format("dlg", dialogue), Action.DELETED, null)
                        .under(parent));
        audit.recordAll(dialogues.messageIds(project, ns, dialogue).stream()
                .map(m -> AuditLog.Change.of(
                                project, ns, EntityType.MESSAGE, Ids.format("msg", m), Action.DELETED, null)
                        .under(event))
                .toList());
    }

    private static AuditLog.Change change(Dialogue d, Action action) {
        return AuditLog.Change.of(
                d.projectId(),
                d.namespace(),
                EntityType.DIALOGUE,
                Ids.format("dlg", d.id()),
                action,
                DialogueViews.DialogueView.of(d));
    }

    private static AuditLog.Change change(Message m) {
        return AuditLog.Change.of(
                m.projectId(),
                m.namespace(),
                EntityType.MESSAGE,
                Ids.format("msg", m.id()),
                Action.CREATED,
                DialogueViews.MessageView.of(m));
    }

    private void requireEditable(UUID project, Dialogue d) {
        if (d.legalHold()) {
            throw new ApiException(ErrorCode.IMMUTABLE, "The dialogue is under legal hold.");
        }
        if (projects.get(project).immutableDialogues()) {
            throw new ApiException(ErrorCode.IMMUTABLE, "Dialogues of this project are immutable.");
        }
    }

    private static UUID id(String publicId) {
        return Ids.parse("dlg", publicId).orElseThrow(DialogueNotFound::new);
    }

    private static ValidationFailed badCursor() {
        return ValidationFailed.of("cursor", "is not a cursor this API returned");
    }

    /** Tags are found by a 64-bit digest in an indexed array; see docs/architecture.md. */
    static long digest(String tag) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(("tag\0" + tag).getBytes(StandardCharsets.UTF_8));
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (h[i] & 0xff);
            }
            return v;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long[] digests(List<String> tags) {
        return tags.stream().mapToLong(DialogueService::digest).distinct().toArray();
    }

    static final class DialogueNotFound extends NotFound {
        DialogueNotFound() {
            super("Dialogue not found.");
        }
    }

    static final class MessageNotFound extends NotFound {
        MessageNotFound() {
            super("Message not found.");
        }
    }
}
