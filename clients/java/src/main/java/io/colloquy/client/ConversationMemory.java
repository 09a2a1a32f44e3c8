package io.colloquy.client;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A framework's chat memory on Colloquy, whatever the framework's message type {@code M}: one dialogue per
 * conversation, found by the conversation id as the dialogue's key (one round trip, then cached). The framework
 * adapters (Spring AI, LangChain4j) are thin layers over it.
 *
 * <p>Frameworks save a conversation whole ("replace"). {@link #replace} keeps that contract — afterwards {@link
 * #read} answers exactly the messages saved — but writes only what changed: it matches the messages, in order,
 * against what this thread last {@link #read} of the conversation (or, without such a read, what is stored), appends
 * what follows the last match in one request per 100 messages, and drops only the matched-against messages the
 * caller left out (a window's evicted head, or everything on a real replace). Messages another thread appended
 * meanwhile are kept, so concurrent appends are never lost and each thread's messages stay in its order.
 *
 * <p>{@link Mode#PRESERVE_HISTORY} (the default) never deletes a left-out message: the conversation's view changes
 * instead (kept in the dialogue's metadata under {@code memory_view}: the pinned messages, such as a system prompt
 * kept while older turns go, then the latest {@code latest} messages from {@code from_seq} on), so the full history
 * stays in Colloquy for audit, search, export and retention, and an immutable project or a legal hold never refuses a
 * window's eviction. A window that evicts its oldest message on every turn leaves that view as it is, so a turn
 * writes only its new message. {@link Mode#REPLACE} deletes left-out messages.
 *
 * <p>Reads cost what changed, not the conversation's length: this instance keeps each conversation's view as last
 * read (up to {@value #CACHED_CONVERSATIONS} conversations, least recently used first out) with the dialogue's
 * revision and the last seq it saw, and brings it up to date by reading only the messages after that seq. The
 * dialogue's revision, which the server answers with them in the same snapshot, moves with every change but an
 * append (an edit, a delete, a metadata or view change, by anyone): when it is not the one held, the view is read
 * whole again. So another process's appends, edits and deletes are all seen on the next read.
 *
 * @param <M> the framework's message type
 */
public final class ConversationMemory<M> {
    /** What happens to messages that {@link #replace} leaves out. */
    public enum Mode {
        /** They stay in the dialogue, out of the conversation's view (the default). */
        PRESERVE_HISTORY,
        /** They are deleted. */
        REPLACE
    }

    /** How the framework's messages are stored. */
    public interface Codec<M> {
        /** The message to append (content of 1 character at least). */
        NewMessage encode(M message);

        /** The framework's message of a stored one. */
        M decode(Message stored);

        /** The stored message's id a message read from here carries, or null (then {@link #same} matches). */
        String storedId(M message);

        /** Whether two messages are the same message (a stored one and one the framework passes back). */
        boolean same(M stored, M given);
    }

    private static final Pattern KEY = Pattern.compile("^[A-Za-z0-9._:@~+=-]{1,256}$");
    private static final String VIEW = "memory_view";
    private static final int MAX_BATCH = 100;
    private static final int CACHED_CONVERSATIONS = 1_000;
    /** How far a view's {@code from_seq} may lag behind its first shown message before it is moved on. */
    private static final int VIEW_SLACK = 100;

    private final NamespaceClient ns;
    private final Mode mode;
    private final Codec<M> codec;
    private final Map<String, String> dialogueIds = new ConcurrentHashMap<>();
    private final ThreadLocal<Read<M>> lastRead = new ThreadLocal<>();
    private final Map<String, Known<M>> known =
            java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Known<M>> eldest) {
                    return size() > CACHED_CONVERSATIONS;
                }
            });

    /**
     * @param client the client (its key needs the write capability)
     * @param namespace the namespace holding the conversations
     * @param mode what happens to left-out messages
     * @param codec how messages are stored
     */
    public ConversationMemory(ColloquyClient client, String namespace, Mode mode, Codec<M> codec) {
        this.ns = client.namespace(namespace);
        this.mode = Objects.requireNonNull(mode);
        this.codec = Objects.requireNonNull(codec);
    }

    private record Read<M>(String conversationId, Known<M> snapshot) {}

    private record Stored<M>(String id, long seq, M message) {}

    /**
     * Which messages a conversation shows: its pinned ones, then those from {@code fromSeq} on — only the latest
     * {@code latest} of these when {@code latest} is not negative. A window that evicts its oldest message on each
     * turn leaves such a view as it is; {@code fromSeq} is then only a lower bound, moved on now and then so that a
     * whole read stays short.
     */
    private record View(long fromSeq, List<String> pinned, int latest) {
        static final View ALL = new View(1, List.of(), -1);

        <M> List<Stored<M>> trim(List<Stored<M>> rest) {
            return latest < 0 || rest.size() <= latest ? rest : rest.subList(rest.size() - latest, rest.size());
        }
    }

    /**
     * A conversation's view as read at a dialogue revision, up to and including {@code lastSeq}: its pinned
     * messages and the rest.
     */
    private record Known<M>(
            String dialogueId, long revision, long lastSeq, View view, List<Stored<M>> pinned, List<Stored<M>> rest) {
        List<Stored<M>> messages() {
            List<Stored<M>> all = new ArrayList<>(pinned);
            all.addAll(rest);
            return all;
        }

        Known<M> with(List<Stored<M>> appended) {
            if (appended.isEmpty()) {
                return this;
            }
            List<Stored<M>> longer = new ArrayList<>(rest);
            longer.addAll(appended);
            return new Known<>(
                    dialogueId,
                    revision,
                    appended.get(appended.size() - 1).seq(),
                    view,
                    pinned,
                    List.copyOf(view.trim(longer)));
        }
    }

    /** The conversation ids of the namespace (dialogues with a key), newest first. */
    public List<String> conversationIds() {
        List<String> ids = new ArrayList<>();
        ns.dialogues(null, 200).forEach(d -> {
            if (d.key() != null) {
                Object original = d.metadata() == null ? null : d.metadata().get("conversation_id");
                ids.add(original instanceof String s ? s : d.key());
            }
        });
        return ids;
    }

    /** The conversation's messages as last saved (empty for an unknown conversation). */
    public List<M> read(String conversationId) {
        Known<M> snapshot = snapshot(conversationId);
        lastRead.set(new Read<>(conversationId, snapshot));
        return snapshot == null
                ? List.of()
                : snapshot.messages().stream().map(Stored::message).toList();
    }

    /** Saves the conversation as {@code messages}, writing only what changed (see the class comment). */
    public void replace(String conversationId, List<M> messages) {
        Objects.requireNonNull(messages, "messages");
        Read<M> read = lastRead.get();
        lastRead.remove();
        Known<M> snapshot = read != null && read.conversationId().equals(conversationId)
                ? read.snapshot()
                : snapshot(conversationId);
        List<Stored<M>> base = snapshot == null ? List.of() : snapshot.messages();
        String dialogue = dialogueId(conversationId);

        Set<String> kept = new HashSet<>();
        int next = 0;
        int matched = 0;
        for (M m : messages) {
            int found = find(base, next, m);
            if (found < 0) {
                break;
            }
            kept.add(base.get(found).id());
            next = found + 1;
            matched++;
        }
        List<M> tail = messages.subList(matched, messages.size());
        List<Stored<M>> dropped =
                base.stream().filter(s -> !kept.contains(s.id())).toList();
        if (!dropped.isEmpty()) {
            if (mode == Mode.REPLACE) {
                for (Stored<M> s : dropped) {
                    try {
                        ns.deleteMessage(dialogue, s.id());
                    } catch (ColloquyException.NotFound gone) {
                        // deleted by another writer already
                    }
                }
            } else {
                moveView(conversationId, dialogue, snapshot, kept, tail.size());
            }
        }
        for (int from = 0; from < tail.size(); from += MAX_BATCH) {
            List<NewMessage> batch = tail.subList(from, Math.min(tail.size(), from + MAX_BATCH)).stream()
                    .map(codec::encode)
                    .toList();
            try {
                ns.append(dialogue, batch);
            } catch (ColloquyException.NotFound deletedMeanwhile) {
                dialogueIds.remove(conversationId);
                ns.append(dialogueId(conversationId), batch);
            }
        }
    }

    /** Deletes the conversation (its dialogue and every message). */
    public void delete(String conversationId) {
        ns.findDialogueByKey(key(conversationId)).ifPresent(d -> {
            try {
                ns.deleteDialogue(d.id());
            } catch (ColloquyException.NotFound gone) {
                // deleted meanwhile
            }
        });
        dialogueIds.remove(conversationId);
        known.remove(conversationId);
        lastRead.remove();
    }

    /** The dialogue holding a conversation, if it exists. */
    public java.util.Optional<Dialogue> dialogue(String conversationId) {
        return ns.findDialogueByKey(key(conversationId));
    }

    /** The conversation's view now, or null when it has no dialogue: what is held plus what was appended since. */
    private Known<M> snapshot(String conversationId) {
        Known<M> held = known.get(conversationId);
        if (held != null) {
            try {
                NamespaceClient.MessagesAfter after = ns.messagesAfter(held.dialogueId(), held.lastSeq());
                if (after.revision() == held.revision()) {
                    Known<M> now = held.with(
                            after.messages().stream().map(this::stored).toList());
                    known.replace(conversationId, held, now);
                    return now;
                }
            } catch (ColloquyException.NotFound gone) {
                dialogueIds.remove(conversationId);
            }
            known.remove(conversationId, held);
        }
        return load(conversationId);
    }

    /** Reads the conversation's view whole, and keeps it when nothing but appends happened while reading. */
    private Known<M> load(String conversationId) {
        String cached = dialogueIds.get(conversationId);
        Dialogue dialogue;
        if (cached != null) {
            try {
                dialogue = ns.dialogue(cached);
            } catch (ColloquyException.NotFound gone) {
                dialogueIds.remove(conversationId);
                return load(conversationId);
            }
        } else {
            dialogue = ns.findDialogueByKey(key(conversationId)).orElse(null);
            if (dialogue == null) {
                return null;
            }
            dialogueIds.put(conversationId, dialogue.id());
        }
        View view = view(dialogue);
        List<Stored<M>> pinned = new ArrayList<>();
        for (String id : view.pinned()) {
            try {
                pinned.add(stored(ns.message(dialogue.id(), id)));
            } catch (ColloquyException.NotFound deleted) {
                // deleted by hand: no longer in the view
            }
        }
        long from = Math.max(0, view.fromSeq() - 1);
        NamespaceClient.MessagesAfter after;
        try {
            after = ns.messagesAfter(dialogue.id(), from);
        } catch (ColloquyException.NotFound gone) {
            dialogueIds.remove(conversationId);
            return load(conversationId);
        }
        List<Stored<M>> rest = after.messages().stream()
                .filter(m -> !view.pinned().contains(m.id()))
                .map(this::stored)
                .toList();
        long last = after.messages().isEmpty()
                ? from
                : after.messages().get(after.messages().size() - 1).seq();
        Known<M> read = new Known<>(
                dialogue.id(), after.revision(), last, view, List.copyOf(pinned), List.copyOf(view.trim(rest)));
        if (after.revision() == dialogue.revision()) { // the pinned messages were read at this revision too
            known.put(conversationId, read);
        }
        return read;
    }

    private Stored<M> stored(Message m) {
        return new Stored<>(m.id(), m.seq(), codec.decode(m));
    }

    @SuppressWarnings("unchecked")
    private static View view(Dialogue d) {
        Object meta = d.metadata() == null ? null : d.metadata().get(VIEW);
        if (meta instanceof Map<?, ?> m && m.get("from_seq") instanceof Number from) {
            Object pinned = m.get("pinned");
            int latest = m.get("latest") instanceof Number n ? n.intValue() : -1;
            return new View(from.longValue(), pinned instanceof List<?> p ? (List<String>) p : List.of(), latest);
        }
        return View.ALL;
    }

    /**
     * After {@code replace} left messages out (preserve-history mode): the conversation now shows the kept messages
     * before the last left-out one (pinned), then the kept ones after it and the {@code appending} new ones — the
     * latest {@code latest} messages. When the view held already says exactly that (a window evicting its oldest
     * message again), nothing is written; otherwise the dialogue's metadata gets the new view.
     */
    private void moveView(String conversationId, String dialogue, Known<M> snapshot, Set<String> kept, int appending) {
        List<Stored<M>> base = snapshot.messages();
        long lastDropped = base.stream()
                .filter(s -> !kept.contains(s.id()))
                .mapToLong(Stored::seq)
                .max()
                .orElse(0);
        List<String> pinned = new ArrayList<>();
        long firstShown = lastDropped + 1;
        int visible = 0;
        for (Stored<M> s : base) {
            if (kept.contains(s.id())) {
                if (s.seq() < lastDropped) {
                    pinned.add(s.id());
                } else {
                    firstShown = visible == 0 ? s.seq() : Math.min(firstShown, s.seq());
                    visible++;
                }
            }
        }
        long from = firstShown;
        int latest = visible + appending;
        View held = snapshot.view();
        if (held.latest() == latest
                && held.pinned().equals(pinned)
                && from - held.fromSeq() <= Math.max(latest, VIEW_SLACK)) {
            return; // the view held already shows exactly the kept messages and the new ones
        }
        Dialogue d = ns.dialogue(dialogue);
        Map<String, Object> metadata = new LinkedHashMap<>(d.metadata() == null ? Map.of() : d.metadata());
        Map<String, Object> view = new HashMap<>();
        view.put("from_seq", from);
        view.put("pinned", pinned);
        view.put("latest", latest);
        metadata.put(VIEW, view);
        Dialogue updated = ns.updateDialogue(dialogue, Map.of("metadata", metadata));
        Known<M> now = known.get(conversationId);
        if (now != null) {
            if (now.revision() == d.revision() && updated.revision() == d.revision() + 1) {
                // the only change since it was read is this one: what is held follows
                View moved = new View(from, List.copyOf(pinned), latest);
                List<Stored<M>> all = now.messages();
                List<Stored<M>> keptPinned =
                        all.stream().filter(s -> pinned.contains(s.id())).toList();
                List<Stored<M>> rest = all.stream()
                        .filter(s -> !pinned.contains(s.id()) && s.seq() >= from)
                        .toList();
                known.replace(
                        conversationId,
                        now,
                        new Known<>(dialogue, updated.revision(), now.lastSeq(), moved, keptPinned, moved.trim(rest)));
            } else {
                known.remove(conversationId, now);
            }
        }
    }

    private int find(List<Stored<M>> base, int from, M m) {
        String id = codec.storedId(m);
        for (int i = from; i < base.size(); i++) {
            Stored<M> s = base.get(i);
            if (id != null ? id.equals(s.id()) : codec.same(s.message(), m)) {
                return i;
            }
        }
        return -1;
    }

    private String dialogueId(String conversationId) {
        return dialogueIds.computeIfAbsent(conversationId, id -> {
            Map<String, Object> metadata = new LinkedHashMap<>();
            metadata.put("conversation_id", id);
            return ns.dialogueByKey(key(id), new NewDialogue(null, null, metadata, null))
                    .dialogue()
                    .id();
        });
    }

    /** The dialogue key of a conversation id: itself when it is a valid key, else {@code sha256~} and its digest. */
    public static String key(String conversationId) {
        if (conversationId == null || conversationId.isEmpty()) {
            throw new IllegalArgumentException("a conversation id cannot be null or empty");
        }
        if (KEY.matcher(conversationId).matches() && !conversationId.equals(".") && !conversationId.equals("..")) {
            return conversationId;
        }
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256").digest(conversationId.getBytes(StandardCharsets.UTF_8));
            return "sha256~" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
