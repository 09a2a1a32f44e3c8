package io.colloquy.dialogues;

import io.colloquy.audit.Action;
import io.colloquy.audit.AuditLog;
import io.colloquy.audit.EntityType;
import io.colloquy.audit.ProjectDeleting;
import io.colloquy.crypto.BlindIndex;
import io.colloquy.crypto.SealedContent;
import io.colloquy.limits.Quota;
import io.colloquy.limits.QuotaService;
import io.colloquy.platform.ColloquySettings;
import io.colloquy.platform.Ids;
import io.colloquy.projects.ProjectService;
import io.colloquy.screening.InjectionRejected;
import io.colloquy.screening.InjectionScreener;
import io.colloquy.screening.PiiRedactor;
import io.colloquy.screening.Screening;
import io.colloquy.screening.ScreeningSettings;
import io.colloquy.tenant.Namespace;
import io.colloquy.tenant.TenantContent;
import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.Metadata;
import io.colloquy.web.NotFound;
import io.colloquy.web.Page;
import io.colloquy.web.PageRequest;
import io.colloquy.web.ValidationFailed;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.context.event.EventListener;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Service;

/**
 * Dialogues and their messages, in the current tenant transaction. Immutable projects and dialogues
 * under legal hold refuse every edit and delete (409 IMMUTABLE); appends are always allowed.
 */
@Service
@Order(1)
public class DialogueService implements SealedContent, TenantContent {
    public static final int MAX_TITLE_CHARS = 512;
    public static final int MAX_TAGS = 32;
    public static final int MAX_TAG_CHARS = 64;
    public static final int MAX_BATCH = 100;
    /** A thread's depth below its root dialogue (a thread of a thread is at depth 2). */
    public static final int MAX_THREAD_DEPTH = 8;
    /** A dialogue's state as compact JSON, in bytes of UTF-8. */
    public static final int MAX_STATE_BYTES = 64 * 1024;
    /** A dialogue's client-chosen key ({@code .} and {@code ..} could not be addressed in a path). */
    public static final java.util.regex.Pattern KEY = java.util.regex.Pattern.compile("^[A-Za-z0-9._:@~+=-]{1,256}$");

    private static final String KEY_KIND = "dialogue";
    private final DialogueRepository dialogues;
    private final MessageRepository messages;
    private final ProjectService projects;
    private final BlindIndex index;
    private final QuotaService quotas;
    private final AuditLog audit;
    private final Clock clock;
    private final int maxContentChars;

    DialogueService(
            DialogueRepository dialogues,
            MessageRepository messages,
            ProjectService projects,
            BlindIndex index,
            QuotaService quotas,
            AuditLog audit,
            ColloquySettings settings,
            Clock clock) {
        this.dialogues = dialogues;
        this.messages = messages;
        this.projects = projects;
        this.index = index;
        this.quotas = quotas;
        this.audit = audit;
        this.clock = clock;
        this.maxContentChars = settings.limits().messageContentMaxChars();
    }

    /** A new dialogue's fields, validated by the caller. */
    public record NewDialogue(
            @Nullable String title,
            Metadata metadata,
            List<String> tags,
            Dialogue.Status status,
            @Nullable String parentId,
            @Nullable String key) {
        public NewDialogue(@Nullable String title, Metadata metadata, List<String> tags) {
            this(title, metadata, tags, Dialogue.Status.ACTIVE, null, null);
        }
    }

    /** What a list of dialogues is narrowed to: a tag, a status, time ranges and metadata pairs. */
    public record DialogueFilter(
            @Nullable String tag, Dialogue.@Nullable Status status, io.colloquy.web.ListFilters filters) {}

    /** A dialogue's state and its version (0 until it is first set; the state is then {@code {}}). */
    public record DialogueState(UUID dialogueId, tools.jackson.databind.node.ObjectNode state, long version) {}

    /** A message to append. */
    public record NewMessage(Message.Role role, String content, Metadata metadata) {}

    /** Changes to a dialogue; null leaves a field as it is ({@code clearTitle} sets the title to null). */
    public record DialogueChanges(
            @Nullable String title,
            boolean clearTitle,
            @Nullable Metadata metadata,
            @Nullable List<String> tags,
            @Nullable Boolean legalHold,
            Dialogue.@Nullable Status status) {
        public DialogueChanges(
                @Nullable String title,
                boolean clearTitle,
                @Nullable Metadata metadata,
                @Nullable List<String> tags,
                @Nullable Boolean legalHold) {
            this(title, clearTitle, metadata, tags, legalHold, null);
        }
    }

    /** Creates a dialogue; 409 ALREADY_EXISTS when its key is held by another dialogue of the namespace. */
    public Dialogue create(UUID project, Namespace ns, NewDialogue d) {
        if (d.key() != null) {
            requireKey(d.key());
        }
        return insert(project, ns, d)
                .orElseThrow(() -> new ApiException(
                        ErrorCode.ALREADY_EXISTS, "A dialogue with this key already exists in this namespace."));
    }

    /** The dialogue holding a key and whether it was created now (with {@code d}'s fields) or was there. */
    public record ByKey(Dialogue dialogue, boolean created) {}

    /**
     * Gets the live dialogue holding {@code key}, or creates it with {@code d}'s fields: two concurrent calls
     * with one key make one dialogue (the second insert waits for the first on the unique index, then reads it).
     */
    public ByKey getOrCreate(UUID project, Namespace ns, String key, NewDialogue d) {
        requireKey(key);
        Optional<Dialogue> existing = index.existingIdentifier(project, ns.name(), KEY_KIND, key)
                .flatMap(digest -> dialogues.findByKey(project, ns.name(), digest));
        if (existing.isPresent()) {
            return new ByKey(existing.get(), false);
        }
        Optional<Dialogue> created =
                insert(project, ns, new NewDialogue(d.title(), d.metadata(), d.tags(), d.status(), d.parentId(), key));
        if (created.isPresent()) {
            return new ByKey(created.get(), true);
        }
        return new ByKey(
                dialogues
                        .findByKey(project, ns.name(), index.identifier(project, ns.name(), KEY_KIND, key))
                        .orElseThrow(() -> new IllegalStateException("a key's holder is gone within its conflict")),
                false);
    }

    /** The live dialogue holding a key; 404 otherwise (and in a namespace that never had a key). */
    public Dialogue getByKey(UUID project, Namespace ns, String key) {
        requireKey(key);
        return index.existingIdentifier(project, ns.name(), KEY_KIND, key)
                .flatMap(digest -> dialogues.findByKey(project, ns.name(), digest))
                .orElseThrow(DialogueNotFound::new);
    }

    private Optional<Dialogue> insert(UUID project, Namespace ns, NewDialogue d) {
        Instant now = clock.instant();
        UUID parent = null;
        int depth = 0;
        if (d.parentId() != null) {
            parent = Ids.parse("dlg", d.parentId()).orElseThrow(ParentNotFound::new);
            depth = dialogues.depth(project, ns.name(), parent).orElseThrow(ParentNotFound::new) + 1;
            if (depth > MAX_THREAD_DEPTH) {
                throw ValidationFailed.of("parent_id", "threads nest at most " + MAX_THREAD_DEPTH + " deep");
            }
        }
        Dialogue dialogue = new Dialogue(
                project,
                ns.name(),
                Ids.newId(),
                d.title(),
                d.metadata(),
                List.copyOf(d.tags()),
                0,
                0,
                false,
                now,
                now,
                d.status(),
                parent,
                0,
                d.key(),
                0);
        byte[] keyDigest = d.key() == null ? null : index.identifier(project, ns.name(), KEY_KIND, d.key());
        if (!dialogues.insert(
                dialogue,
                digests(project, ns.name(), dialogue.tags()),
                metadataDigests(project, ns.name(), dialogue.metadata()),
                depth,
                keyDigest)) {
            return Optional.empty();
        }
        audit.record(change(dialogue, Action.CREATED));
        quotas.consume(project, Quota.DIALOGUES, 1); // last: its counter row is locked until commit
        return Optional.of(dialogue);
    }

    private static void requireKey(String key) {
        if (!KEY.matcher(key).matches() || key.equals(".") || key.equals("..")) {
            throw ValidationFailed.of(
                    "key", "must be 1 to 256 of the characters A-Z a-z 0-9 . _ : @ ~ + = - (and not . or ..)");
        }
    }

    public Dialogue get(UUID project, Namespace ns, String publicId) {
        return dialogues.find(project, ns.name(), id(publicId), false).orElseThrow(DialogueNotFound::new);
    }

    public Page<Dialogue> list(UUID project, Namespace ns, @Nullable String tag, PageRequest page) {
        return list(project, ns, new DialogueFilter(tag, null, io.colloquy.web.ListFilters.none()), page);
    }

    public Page<Dialogue> list(UUID project, Namespace ns, DialogueFilter filter, PageRequest page) {
        return list(project, ns, filter, null, page);
    }

    /** A page of a dialogue's direct threads, newest first; 404 when the dialogue isn't here. */
    public Page<Dialogue> threads(UUID project, Namespace ns, String publicId, PageRequest page) {
        Dialogue d = get(project, ns, publicId);
        return list(project, ns, new DialogueFilter(null, null, io.colloquy.web.ListFilters.none()), d.id(), page);
    }

    private Page<Dialogue> list(
            UUID project, Namespace ns, DialogueFilter filter, @Nullable UUID parent, PageRequest page) {
        UUID after = page.after() == null ? null : Ids.fromHex(page.after()).orElseThrow(DialogueService::badCursor);
        List<String> terms = new ArrayList<>();
        if (filter.tag() != null) {
            terms.add("tag:" + filter.tag());
        }
        terms.addAll(filter.filters().metadataTerms());
        Long digest = null;
        long[] metadata = null;
        if (!terms.isEmpty()) {
            java.util.Optional<long[]> digests = index.queryTerms(project, ns.name(), terms);
            if (digests.isEmpty()) {
                return page.page(List.of(), d -> Ids.hex(d.id())); // no search key: no tag anywhere here
            }
            long[] all = digests.get();
            int first = 0;
            if (filter.tag() != null) {
                digest = all[first++];
            }
            if (first < all.length) {
                metadata = java.util.Arrays.copyOfRange(all, first, all.length);
            }
        }
        var query = new DialogueRepository.Filter(digest, filter.status(), parent, metadata, filter.filters());
        return page.page(dialogues.list(project, ns.name(), after, query, page.limit() + 1), d -> Ids.hex(d.id()));
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
                clock.instant(),
                changes.status() != null ? changes.status() : d.status(),
                d.parentId(),
                d.threadCount(),
                d.key(),
                d.revision() + 1); // the row is locked: the update below makes exactly this revision
        dialogues.update(
                updated,
                digests(project, ns.name(), updated.tags()),
                metadataDigests(project, ns.name(), updated.metadata()));
        audit.record(change(updated, Action.UPDATED));
        return updated;
    }

    /**
     * Deletes a dialogue with its messages and its threads (the whole tree below it): at once, or, when the
     * project has a recovery window, out of every read and search at once and for good when the window ends
     * (the purge job). A legal hold on any dialogue of the tree refuses the delete (409 IMMUTABLE).
     */
    public void delete(UUID project, Namespace ns, String publicId) {
        Dialogue d = dialogues.find(project, ns.name(), id(publicId), true).orElseThrow(DialogueNotFound::new);
        requireEditable(project, d);
        List<DialogueRepository.Node> tree = dialogues.tree(project, ns.name(), d.id());
        if (tree.stream().anyMatch(DialogueRepository.Node::legalHold)) {
            throw new ApiException(ErrorCode.IMMUTABLE, "A thread of the dialogue is under legal hold.");
        }
        List<UUID> threads = tree.stream()
                .map(DialogueRepository.Node::id)
                .filter(id -> !id.equals(d.id()))
                .toList();
        if (projects.get(project).recoveryWindowDays() > 0) {
            List<UUID> live = tree.stream()
                    .filter(n -> n.deletedAt() == null)
                    .map(DialogueRepository.Node::id)
                    .toList();
            dialogues.softDelete(project, ns.name(), live, clock.instant());
            UUID event = audit.record(change(d, Action.DELETED));
            audit.recordAll(live.stream()
                    .filter(id -> !id.equals(d.id()))
                    .map(id -> AuditLog.Change.of(
                                    project,
                                    ns.name(),
                                    EntityType.DIALOGUE,
                                    Ids.format("dlg", id),
                                    Action.DELETED,
                                    null)
                            .under(event))
                    .toList());
        } else {
            List<String> removed = recordDeletion(project, d.namespace(), d.id(), null);
            for (UUID thread : threads) {
                removed.addAll(recordDeletion(project, d.namespace(), thread, null));
            }
            List<UUID> all = new ArrayList<>(threads);
            all.add(d.id());
            dialogues.delete(project, ns.name(), all);
            audit.eraseData(project, removed);
        }
    }

    @Override
    public String purgedKind() {
        return "dialogues";
    }

    @Override
    public String idPrefix() {
        return "dlg";
    }

    /** How many dialogues and messages there are (namespace null = all). */
    @Override
    public java.util.Map<String, Long> count(UUID project, @Nullable Namespace ns) {
        return counts(dialogues.count(project, ns == null ? null : ns.name()));
    }

    private static java.util.Map<String, Long> counts(long[] dialoguesAndMessages) {
        java.util.Map<String, Long> counts = new java.util.LinkedHashMap<>();
        counts.put("dialogues", dialoguesAndMessages[0]);
        counts.put("messages", dialoguesAndMessages[1]);
        return counts;
    }

    /**
     * Erases every dialogue and message of a namespace (its keys must be shredded first by the caller);
     * refused with 409 IMMUTABLE in an immutable project or while any of its dialogues is under legal hold.
     */
    @Override
    public java.util.Map<String, Long> eraseNamespace(UUID project, Namespace ns) {
        if (projects.get(project).immutableDialogues()) {
            throw new ApiException(
                    ErrorCode.IMMUTABLE, "Dialogues of this project are immutable: the namespace can't be erased.");
        }
        if (dialogues.anyLegalHold(project, ns.name())) {
            throw new ApiException(ErrorCode.IMMUTABLE, "A dialogue of this namespace is under legal hold.");
        }
        java.util.Map<String, Long> counts = count(project, ns);
        dialogues.eraseNamespace(project, ns.name());
        return counts;
    }

    /**
     * Ids of dialogues (any namespace) the retention purge may remove: inactive since before the cutoff
     * (null = no age limit) or deleted before {@code deletedBefore}; never under legal hold, none at all
     * in a project with immutable dialogues. Runs in a project-wide tenant transaction.
     */
    @Override
    public List<UUID> purgeable(UUID project, RetentionCutoffs cutoffs, int limit) {
        if (cutoffs.immutableDialogues()) {
            return List.of();
        }
        return dialogues.purgeable(project, cutoffs.inactiveBefore(), cutoffs.deletedBefore(), limit);
    }

    /**
     * Removes dialogues (and their messages) for good; legal holds are re-checked by the statement. Each
     * gets a purged event under {@code parentEvent} (the retention run).
     */
    @Override
    public int purge(UUID project, List<UUID> ids, UUID parentEvent) {
        if (ids.isEmpty()) {
            return 0;
        }
        DialogueRepository.Purged purged = dialogues.purge(project, ids); // with their threads
        audit.recordAll(purged.dialogues().stream()
                .map(id -> AuditLog.Change.of(project, null, EntityType.DIALOGUE, id, Action.PURGED, null)
                        .under(parentEvent))
                .toList());
        audit.eraseData(project, purged.dialogues());
        audit.eraseData(project, purged.messages());
        return purged.dialogues().size();
    }

    /**
     * Re-encrypts up to {@code limit} dialogues and {@code limit} messages of a namespace whose values are
     * sealed under a data key version other than {@code current}; returns how many rows it rewrote.
     */
    @Override
    public int resealOlderValues(UUID project, String ns, int current, int limit) {
        List<Dialogue> old = dialogues.withOlderValues(project, ns, current, limit);
        for (Dialogue d : old) {
            dialogues.update(d, digests(project, ns, d.tags()), metadataDigests(project, ns, d.metadata()));
            DialogueRepository.State state =
                    dialogues.state(project, ns, d.id()).orElseThrow();
            if (state.json() != null) {
                dialogues.writeState(project, ns, d.id(), state.json(), state.version(), 0, d.updatedAt());
            }
        }
        List<Message> oldMessages = messages.messagesWithOlderValues(project, ns, current, limit);
        oldMessages.forEach(messages::reseal);
        return old.size() + oldMessages.size();
    }

    /** Brings back a dialogue deleted within the project's recovery window; 404 otherwise. */
    public Dialogue restore(UUID project, Namespace ns, String publicId) {
        int window = projects.get(project).recoveryWindowDays();
        Instant windowStart = clock.instant().minus(java.time.Duration.ofDays(window));
        List<UUID> tree;
        try {
            tree = window == 0 ? List.of() : dialogues.restoreTree(project, ns.name(), id(publicId), windowStart);
        } catch (org.springframework.dao.DuplicateKeyException keyTaken) {
            throw new ApiException(
                    ErrorCode.ALREADY_EXISTS, "Another dialogue of this namespace holds a key of this tree now.");
        }
        if (tree.isEmpty()) {
            throw new DialogueNotFound();
        }
        Dialogue restored = get(project, ns, publicId);
        UUID event = audit.record(change(restored, Action.RESTORED));
        for (UUID thread : tree) {
            if (!thread.equals(restored.id())) {
                dialogues
                        .find(project, ns.name(), thread, false)
                        .ifPresent(t -> audit.record(change(t, Action.RESTORED).under(event)));
            }
        }
        return restored;
    }

    /**
     * Appends messages with consecutive seqs; all or nothing. Numbered after the dialogue's last seq read
     * without a lock, then written with their events in one statement that takes the dialogue's row lock
     * only if that seq is still the last (so the lock is held for the commit alone); if another append came
     * in between, numbered again under the lock.
     */
    public List<Message> append(UUID project, Namespace ns, String dialoguePublicId, List<NewMessage> batch) {
        if (batch.isEmpty() || batch.size() > MAX_BATCH) {
            throw ValidationFailed.of("messages", "must hold 1 to " + MAX_BATCH + " messages");
        }
        UUID dialogue = id(dialoguePublicId);
        List<Screened> screened = screened(project, batch);
        Instant now = clock.instant();
        List<UUID> ids = batch.stream().map(m -> Ids.newId()).toList();
        List<Message> appended = write(project, ns, dialogue, screened, ids, now, false);
        if (appended == null) { // another append came first
            appended = write(project, ns, dialogue, screened, ids, now, true);
            if (appended == null) {
                throw new IllegalStateException("The dialogue's last seq changed under its row lock");
            }
        }
        quotas.consume(project, Quota.MESSAGES, appended.size()); // the whole batch or nothing; last
        return appended;
    }

    /** A message to store and its injection screening (of the content as sent, before any redaction). */
    private record Screened(NewMessage message, Screening screening) {}

    /**
     * The batch as it is stored: each content screened for prompt injection (a score at or above the project's
     * {@code injection_reject_threshold} refuses the whole batch, 422 INJECTION_DETECTED, before anything is
     * written) and, with {@code pii_redaction} {@code on_write}, redacted with placeholders stable across the batch
     * (docs/screening.md).
     */
    private List<Screened> screened(UUID project, List<NewMessage> batch) {
        ScreeningSettings settings = projects.screening(project);
        PiiRedactor.Session session = settings.redactsOnWrite() ? PiiRedactor.newSession() : null;
        List<Screened> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            NewMessage m = batch.get(i);
            Screening screening = InjectionScreener.screen(m.content());
            if (settings.rejects(screening)) {
                String field = batch.size() == 1 ? "content" : "messages[" + i + "].content";
                throw new InjectionRejected(field, screening, settings.injectionRejectThreshold());
            }
            out.add(new Screened(
                    session == null ? m : new NewMessage(m.role(), session.redact(m.content()), m.metadata()),
                    screening));
        }
        return out;
    }

    /**
     * Numbers the batch after the dialogue's last seq (read under its row lock if {@code locked}) and writes
     * it with its events; null, having written nothing, if that seq was no longer the last.
     */
    private @Nullable List<Message> write(
            UUID project,
            Namespace ns,
            UUID dialogue,
            List<Screened> batch,
            List<UUID> ids,
            Instant now,
            boolean locked) {
        long last = messages.lastSeq(project, ns.name(), dialogue, locked).orElseThrow(DialogueNotFound::new);
        List<Message> numbered = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            NewMessage m = batch.get(i).message();
            numbered.add(new Message(
                    project,
                    ns.name(),
                    dialogue,
                    ids.get(i),
                    last + 1 + i,
                    m.role(),
                    m.content(),
                    m.metadata(),
                    now,
                    null,
                    batch.get(i).screening()));
        }
        AuditLog.Outbox events = audit.outbox(
                "events",
                MessageRepository.RESERVED,
                numbered.stream().map(DialogueService::change).toList());
        return messages.append(numbered, last, now, events) ? numbered : null;
    }

    /** A page of a dialogue's messages and the dialogue's revision, read in one snapshot. */
    public record MessagePage(Page<Message> page, long revision) {}

    /** A page of a dialogue's messages: one statement, which also tells whether the dialogue is there. */
    public MessagePage messages(UUID project, Namespace ns, String dialoguePublicId, long afterSeq, PageRequest page) {
        UUID dialogue = id(dialoguePublicId);
        long after = afterSeq;
        if (page.after() != null) {
            try {
                after = Long.parseLong(page.after());
            } catch (NumberFormatException e) {
                get(project, ns, dialoguePublicId); // a missing dialogue is 404 before a bad cursor is 400
                throw badCursor();
            }
        }
        MessageRepository.Rows rows = messages.messages(project, ns.name(), dialogue, after, page.limit() + 1)
                .orElseThrow(DialogueNotFound::new);
        return new MessagePage(page.page(rows.messages(), m -> Long.toString(m.seq())), rows.revision());
    }

    public Message message(UUID project, Namespace ns, String dialoguePublicId, String messagePublicId) {
        Dialogue d = get(project, ns, dialoguePublicId);
        UUID id = Ids.parse("msg", messagePublicId).orElseThrow(MessageNotFound::new);
        return messages.message(project, ns.name(), d.id(), id).orElseThrow(MessageNotFound::new);
    }

    public void deleteMessage(UUID project, Namespace ns, String dialoguePublicId, String messagePublicId) {
        Dialogue d =
                dialogues.find(project, ns.name(), id(dialoguePublicId), true).orElseThrow(DialogueNotFound::new);
        UUID id = Ids.parse("msg", messagePublicId).orElseThrow(MessageNotFound::new);
        messages.message(project, ns.name(), d.id(), id).orElseThrow(MessageNotFound::new);
        requireEditable(project, d);
        messages.deleteMessage(project, ns.name(), d.id(), id, clock.instant());
        audit.record(AuditLog.Change.of(
                project, ns.name(), EntityType.MESSAGE, Ids.format("msg", id), Action.DELETED, null));
        audit.eraseData(project, List.of(Ids.format("msg", id)));
    }

    /**
     * Edits a message's content and/or metadata (null leaves it); the audit event holds the message as it was
     * before and after. Refused (409 IMMUTABLE) in an immutable project or under the dialogue's legal hold.
     */
    public Message editMessage(
            UUID project,
            Namespace ns,
            String dialoguePublicId,
            String messagePublicId,
            @Nullable String content,
            @Nullable Metadata metadata) {
        Dialogue d =
                dialogues.find(project, ns.name(), id(dialoguePublicId), true).orElseThrow(DialogueNotFound::new);
        UUID id = Ids.parse("msg", messagePublicId).orElseThrow(MessageNotFound::new);
        Message m = messages.message(project, ns.name(), d.id(), id).orElseThrow(MessageNotFound::new);
        requireEditable(project, d);
        String stored = m.content();
        Screening screening = m.screening();
        if (content != null) {
            ScreeningSettings settings = projects.screening(project);
            screening = InjectionScreener.screen(content);
            if (settings.rejects(screening)) {
                throw new InjectionRejected("content", screening, settings.injectionRejectThreshold());
            }
            stored = settings.redactsOnWrite() ? PiiRedactor.newSession().redact(content) : content;
        }
        Message edited = new Message(
                m.projectId(),
                m.namespace(),
                m.dialogueId(),
                m.id(),
                m.seq(),
                m.role(),
                stored,
                metadata != null ? metadata : m.metadata(),
                m.createdAt(),
                clock.instant(),
                screening);
        messages.edit(edited);
        audit.record(AuditLog.Change.of(
                project,
                ns.name(),
                EntityType.MESSAGE,
                Ids.format("msg", id),
                Action.UPDATED,
                new MessageEdited(DialogueViews.MessageView.of(edited), DialogueViews.MessageView.of(m))));
        return edited;
    }

    /** The data of a message's updated event: the message now, and as it was. */
    record MessageEdited(DialogueViews.MessageView message, DialogueViews.MessageView previous) {}

    /** A dialogue's state; 404 when the dialogue isn't here. */
    public DialogueState state(UUID project, Namespace ns, String publicId) {
        UUID id = id(publicId);
        DialogueRepository.State s = dialogues.state(project, ns.name(), id).orElseThrow(DialogueNotFound::new);
        return new DialogueState(id, stateObject(s.json()), s.version());
    }

    /**
     * Replaces ({@code merge} false) or merges (RFC 7396 JSON merge patch) a dialogue's state; with
     * {@code ifMatch}, only while its version is that (else 412 PRECONDITION_FAILED); without, the last writer
     * wins. Refused (409 IMMUTABLE) in an immutable project or under the dialogue's legal hold.
     */
    public DialogueState changeState(
            UUID project,
            Namespace ns,
            String publicId,
            tools.jackson.databind.JsonNode change,
            boolean merge,
            @Nullable Long ifMatch) {
        Dialogue d = dialogues.find(project, ns.name(), id(publicId), true).orElseThrow(DialogueNotFound::new);
        requireEditable(project, d);
        DialogueRepository.State current =
                dialogues.state(project, ns.name(), d.id()).orElseThrow(DialogueNotFound::new);
        if (ifMatch != null && ifMatch != current.version()) {
            throw new ApiException(
                    ErrorCode.PRECONDITION_FAILED,
                    "The state is at version " + current.version() + ", not " + ifMatch + " (If-Match).");
        }
        tools.jackson.databind.node.ObjectNode next;
        if (merge) {
            tools.jackson.databind.JsonNode merged = JsonMergePatch.apply(stateObject(current.json()), change);
            if (!merged.isObject()) {
                throw ValidationFailed.of("state", "must stay a JSON object");
            }
            next = (tools.jackson.databind.node.ObjectNode) merged;
        } else if (change.isObject()) {
            next = (tools.jackson.databind.node.ObjectNode) change;
        } else {
            throw ValidationFailed.of("state", "must be a JSON object");
        }
        String json = Metadata.canonicalJson(next, "state", MAX_STATE_BYTES);
        if (!dialogues.writeState(project, ns.name(), d.id(), json, current.version(), 1, clock.instant())) {
            throw new IllegalStateException("The state's version changed under the dialogue's row lock");
        }
        DialogueState written = new DialogueState(d.id(), next, current.version() + 1);
        audit.record(AuditLog.Change.of(
                project,
                ns.name(),
                EntityType.DIALOGUE,
                Ids.format("dlg", d.id()),
                Action.UPDATED,
                new StateChanged(next, written.version())));
        return written;
    }

    /** The data of a state change's updated event. */
    record StateChanged(tools.jackson.databind.node.ObjectNode state, long stateVersion) {}

    private static tools.jackson.databind.node.ObjectNode stateObject(@Nullable String json) {
        return json == null
                ? tools.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                : Metadata.parse(json).value();
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

    /**
     * The dialogue's deleted event, then one per message, each pointing at the dialogue's event; returns
     * the public ids of the dialogue and its messages.
     */
    private List<String> recordDeletion(UUID project, String ns, UUID dialogue, @Nullable UUID parent) {
        UUID event = audit.record(
                AuditLog.Change.of(project, ns, EntityType.DIALOGUE, Ids.format("dlg", dialogue), Action.DELETED, null)
                        .under(parent));
        List<AuditLog.Change> messages = this.messages.messageIds(project, ns, dialogue).stream()
                .map(m -> AuditLog.Change.of(
                                project, ns, EntityType.MESSAGE, Ids.format("msg", m), Action.DELETED, null)
                        .under(event))
                .toList();
        audit.recordAll(messages);
        List<String> removed = new ArrayList<>(List.of(Ids.format("dlg", dialogue)));
        messages.forEach(m -> removed.add(m.entityId()));
        return removed;
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

    /** Metadata key/value pairs of scalar values are found like tags (see {@link Metadata#terms()}). */
    private long[] metadataDigests(UUID project, String ns, Metadata metadata) {
        return metadata.terms().stream()
                .mapToLong(t -> index.term(project, ns, t))
                .distinct()
                .toArray();
    }

    /** Tags are found by their keyed hash (the namespace's search key) in an indexed array. */
    private long[] digests(UUID project, String ns, List<String> tags) {
        return tags.stream()
                .mapToLong(t -> index.term(project, ns, "tag:" + t))
                .distinct()
                .toArray();
    }

    /** Messages of the namespace holding every one of the keyword tokens, newest first (at most {@code limit}). */
    public List<Message> search(UUID project, Namespace ns, List<String> tokens, int limit) {
        return search(project, ns, tokens, null, io.colloquy.web.ListFilters.none(), limit);
    }

    /**
     * Like {@link #search(UUID, Namespace, List, int)}, narrowed to dialogues with {@code tag} (null: any), the
     * filters' time ranges (in the query) and metadata pairs (checked on the decrypted candidates).
     */
    public List<Message> search(
            UUID project,
            Namespace ns,
            List<String> tokens,
            @Nullable String tag,
            io.colloquy.web.ListFilters filters,
            int limit) {
        List<String> terms = new ArrayList<>(tokens);
        if (tag != null) {
            terms.add("tag:" + tag);
        }
        List<String> metadata = filters.metadataTerms();
        return index.queryTerms(project, ns.name(), terms)
                .map(hashes -> messages
                        .search(
                                project,
                                ns.name(),
                                java.util.Arrays.copyOf(hashes, tokens.size()),
                                tag == null ? null : hashes[tokens.size()],
                                filters,
                                limit)
                        .stream()
                        .filter(m -> m.metadata().terms().containsAll(metadata))
                        .toList())
                .orElse(List.of());
    }

    /**
     * Messages of the namespace by id, in no particular order: the live ones (not in a deleted dialogue) narrowed
     * like {@link #search(UUID, Namespace, List, String, io.colloquy.web.ListFilters, int)} (semantic search's
     * candidates). Ids that are not there are left out.
     */
    public List<Message> messagesByIds(
            UUID project, Namespace ns, List<UUID> ids, @Nullable String tag, io.colloquy.web.ListFilters filters) {
        List<String> terms = new ArrayList<>();
        if (tag != null) {
            terms.add("tag:" + tag);
        }
        List<String> metadata = filters.metadataTerms();
        if (terms.isEmpty()) {
            return messages.byIds(project, ns.name(), ids, false, null, filters).stream()
                    .filter(m -> m.metadata().terms().containsAll(metadata))
                    .toList();
        }
        return index.queryTerms(project, ns.name(), terms)
                .map(hashes -> messages.byIds(project, ns.name(), ids, false, hashes[0], filters).stream()
                        .filter(m -> m.metadata().terms().containsAll(metadata))
                        .toList())
                .orElse(List.of());
    }

    /** Messages by id whatever their dialogue's state (deleted into the recovery window too): what to embed. */
    public List<Message> messagesToEmbed(UUID project, Namespace ns, List<UUID> ids) {
        return messages.byIds(project, ns.name(), ids, true, null, io.colloquy.web.ListFilters.none());
    }

    /**
     * A dialogue and its last messages, oldest first: at most {@code limit} of them (the context endpoint). 404
     * like {@link #get} when there is no such dialogue.
     */
    public List<Message> lastMessages(UUID project, Namespace ns, String dialoguePublicId, int limit) {
        Dialogue d = get(project, ns, dialoguePublicId);
        return messages.messages(project, ns.name(), d.id(), Math.max(0, d.lastSeq() - limit), limit)
                .orElseThrow(DialogueNotFound::new)
                .messages();
    }

    static final class DialogueNotFound extends NotFound {
        DialogueNotFound() {
            super("Dialogue not found.");
        }
    }

    static final class ParentNotFound extends NotFound {
        ParentNotFound() {
            super("Parent dialogue not found.");
        }
    }

    static final class MessageNotFound extends NotFound {
        MessageNotFound() {
            super("Message not found.");
        }
    }
}
