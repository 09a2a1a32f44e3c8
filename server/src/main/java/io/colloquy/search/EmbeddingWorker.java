package io.colloquy.search;

import io.colloquy.audit.AuditFeed;
import io.colloquy.crypto.EncryptionKeyRevoked;
import io.colloquy.crypto.IntegrityError;
import io.colloquy.crypto.KeyGone;
import io.colloquy.dialogues.DialogueService;
import io.colloquy.dialogues.Message;
import io.colloquy.memories.Memory;
import io.colloquy.memories.MemoryService;
import io.colloquy.platform.Ids;
import io.colloquy.tenant.Namespace;
import io.colloquy.tenant.TenantTransactions;
import io.colloquy.web.ListFilters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Embeds messages and memories after their commit, off the request path: it follows each project's audit log
 * from its cursor (like the webhook dispatcher, through {@link AuditFeed}), so the write path is unchanged and
 * the backlog survives restarts (the cursor is in the database and moves only after the vectors are stored).
 * A created, updated or restored message or memory is read, embedded and stored; a deleted or purged one loses
 * its vector, a purged dialogue the vectors of its messages, an erased namespace all of its own. One virtual
 * thread polls every {@code poll-interval} for projects whose log it has not applied.
 */
@Component
@ConditionalOnWebApplication
final class EmbeddingWorker implements SmartLifecycle {
    static final int BATCH = 200;
    static final List<String> ENTITY_TYPES = List.of("message", "memory");
    private static final Logger log = LoggerFactory.getLogger(EmbeddingWorker.class);

    private final VectorRepository repository;
    private final Vectors vectors;
    private final AuditFeed feed;
    private final TenantTransactions tenants;
    private final DialogueService dialogues;
    private final MemoryService memories;
    private final Embedder embedder;
    private final EmbeddingSettings settings;
    private volatile boolean running;
    private volatile @Nullable Thread thread;

    EmbeddingWorker(
            VectorRepository repository,
            Vectors vectors,
            AuditFeed feed,
            TenantTransactions tenants,
            DialogueService dialogues,
            MemoryService memories,
            Embedder embedder,
            EmbeddingSettings settings) {
        this.repository = repository;
        this.vectors = vectors;
        this.feed = feed;
        this.tenants = tenants;
        this.dialogues = dialogues;
        this.memories = memories;
        this.embedder = embedder;
        this.settings = settings;
    }

    @Override
    public synchronized void start() {
        if (!settings.on()) {
            return;
        }
        try {
            // before the server reports ready: a SIGTERM then never waits on a first load (see Embedder)
            embedder.load();
        } catch (RuntimeException e) {
            log.warn("The embedding model did not load ({}); trying again when there is work", e.toString());
        }
        running = true;
        thread = Thread.ofVirtual().name("embedding-worker").start(this::loop);
    }

    @Override
    public synchronized void stop() {
        running = false;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        thread = null;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void loop() {
        while (running) {
            try {
                for (UUID project : repository.pendingProjects()) {
                    if (!running) {
                        return;
                    }
                    try {
                        runProject(project);
                    } catch (EncryptionKeyRevoked revoked) {
                        // its content can't be read while the customer key is revoked: the backlog waits for it
                    } catch (org.springframework.dao.DataIntegrityViolationException e) {
                        if (repository.pendingProjects().contains(project)) {
                            log.warn(
                                    "Embedding a project's changes failed ({}); trying again next round",
                                    e.getClass().getSimpleName());
                        } else {
                            log.debug("Project {} was deleted while its changes were embedded", project);
                        }
                    } catch (RuntimeException e) {
                        log.warn(
                                "Embedding a project's changes failed ({}); trying again next round",
                                e.getClass().getSimpleName());
                    }
                }
            } catch (RuntimeException e) {
                log.warn(
                        "Embedding round failed ({}); trying again next round",
                        e.getClass().getSimpleName());
            }
            try {
                Thread.sleep(settings.pollInterval());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Applies the project's log from its cursor, batch by batch, until it is caught up (or stopping). */
    void runProject(UUID project) {
        while (running && step(project)) {
            // next batch
        }
    }

    /** What to do with one item: embed it again (its latest state) or drop its vector. */
    private record Item(String namespace, UUID id, boolean memory, boolean remove) {}

    private record Batch(long last, Map<UUID, Item> items, List<UUID> purgedDialogues, List<String> erased) {}

    /** One batch of the log: read, embed, store, move the cursor. False when there was nothing to apply. */
    boolean step(UUID project) {
        Batch batch = tenants.inProject(project, () -> read(project));
        if (batch == null) {
            return false;
        }
        Map<String, List<Item>> byNamespace = new LinkedHashMap<>();
        batch.items().values().forEach(i -> byNamespace
                .computeIfAbsent(i.namespace(), n -> new ArrayList<>())
                .add(i));
        List<Runnable> afterCommit = new ArrayList<>();
        List<Runnable> writes = new ArrayList<>();
        for (var entry : byNamespace.entrySet()) {
            plan(project, entry.getKey(), entry.getValue(), writes, afterCommit);
        }
        tenants.inProject(project, () -> {
            writes.forEach(Runnable::run);
            for (String ns : batch.erased()) {
                vectors.eraseNamespace(project, new Namespace(ns));
            }
            for (String[] gone : vectors.deleteDialogues(project, batch.purgedDialogues())) {
                UUID id = UUID.fromString(gone[1]);
                afterCommit.add(() -> vectors.cached(project, gone[0], index -> index.remove(id)));
            }
            repository.advance(project, batch.last(), java.time.Instant.now());
            return null;
        });
        afterCommit.forEach(Runnable::run);
        return true;
    }

    private @Nullable Batch read(UUID project) {
        long cursor = repository.cursor(project);
        List<AuditFeed.FeedEvent> events = feed.after(project, cursor, null, BATCH);
        if (events.isEmpty()) {
            return null;
        }
        Map<UUID, Item> items = new LinkedHashMap<>();
        List<UUID> purged = new ArrayList<>();
        List<String> erased = new ArrayList<>();
        for (AuditFeed.FeedEvent e : events) {
            boolean remove = e.action().equals("deleted") || e.action().equals("purged");
            switch (e.entityType()) {
                case "message", "memory" -> {
                    boolean memory = e.entityType().equals("memory");
                    Optional<UUID> id = Ids.parse(memory ? "mem" : "msg", e.entityId());
                    if (id.isPresent() && e.namespace() != null) {
                        items.remove(id.get()); // the latest change decides, in log order
                        items.put(id.get(), new Item(e.namespace(), id.get(), memory, remove));
                    }
                }
                case "dialogue" -> {
                    if (e.action().equals("purged")) {
                        Ids.parse("dlg", e.entityId()).ifPresent(purged::add);
                    }
                }
                case "namespace" -> {
                    if (e.action().equals("deleted") && e.namespace() != null) {
                        erased.add(e.namespace());
                        items.values().removeIf(i -> i.namespace().equals(e.namespace()));
                    }
                }
                default -> {}
            }
        }
        return new Batch(events.getLast().seq(), items, purged, erased);
    }

    private static void readable(Runnable read) {
        try {
            read.run();
        } catch (IntegrityError | KeyGone skipped) {
            // not embedded: it can't be read (logged by the codec), or its namespace is gone
        }
    }

    /** Reads and embeds one namespace's items; adds their stores and deletes to {@code writes}. */
    private void plan(UUID project, String ns, List<Item> items, List<Runnable> writes, List<Runnable> afterCommit) {
        Namespace namespace = new Namespace(ns);
        List<UUID> messageIds = items.stream()
                .filter(i -> !i.remove() && !i.memory())
                .map(Item::id)
                .toList();
        List<UUID> memoryIds = items.stream()
                .filter(i -> !i.remove() && i.memory())
                .map(Item::id)
                .toList();
        List<Message> found = new ArrayList<>();
        List<Memory> foundMemories = new ArrayList<>();
        try {
            tenants.inNamespace(project, namespace, () -> {
                found.addAll(dialogues.messagesToEmbed(project, namespace, messageIds));
                foundMemories.addAll(memories.byIds(project, namespace, memoryIds, ListFilters.none()));
                return null;
            });
        } catch (KeyGone gone) {
            // the namespace was erased meanwhile: its rows are gone, so are its vectors
        } catch (IntegrityError unreadable) {
            // a value does not open (logged by the codec): read one by one and leave out what does not open, so
            // one damaged row never holds back the project's backlog
            found.clear();
            foundMemories.clear();
            for (UUID id : messageIds) {
                readable(() -> found.addAll(tenants.inNamespace(
                        project, namespace, () -> dialogues.messagesToEmbed(project, namespace, List.of(id)))));
            }
            for (UUID id : memoryIds) {
                readable(() -> foundMemories.addAll(tenants.inNamespace(
                        project,
                        namespace,
                        () -> memories.byIds(project, namespace, List.of(id), ListFilters.none()))));
            }
        }
        List<String> texts = new ArrayList<>();
        List<Object> sources = new ArrayList<>();
        for (Message m : found) {
            texts.add(m.content());
            sources.add(m);
        }
        for (Memory m : foundMemories) {
            String text = m.searchText();
            texts.add(text.isBlank() && m.value() != null ? m.value() : text);
            sources.add(m);
        }
        List<float[]> embedded = embedder.embedAll(texts);
        List<UUID> kept = new ArrayList<>();
        for (int i = 0; i < sources.size(); i++) {
            float[] v = embedded.get(i);
            if (sources.get(i) instanceof Message m) {
                kept.add(m.id());
                writes.add(() -> vectors.store(project, ns, m.id(), NamespaceVectors.Kind.MESSAGE, m.dialogueId(), v));
                afterCommit.add(() -> vectors.cached(
                        project, ns, index -> index.put(m.id(), NamespaceVectors.Kind.MESSAGE, m.dialogueId(), v)));
            } else if (sources.get(i) instanceof Memory m) {
                NamespaceVectors.Kind kind = m.kind() == Memory.Kind.LONG_TERM
                        ? NamespaceVectors.Kind.LONG_TERM
                        : NamespaceVectors.Kind.SHORT_TERM;
                kept.add(m.id());
                writes.add(() -> vectors.store(project, ns, m.id(), kind, null, v));
                afterCommit.add(() -> vectors.cached(project, ns, index -> index.put(m.id(), kind, null, v)));
            }
        }
        List<UUID> removed =
                items.stream().map(Item::id).filter(id -> !kept.contains(id)).toList();
        if (!removed.isEmpty()) {
            writes.add(() -> vectors.delete(project, ns, removed));
            afterCommit.add(() -> vectors.cached(project, ns, index -> removed.forEach(index::remove)));
        }
    }
}
