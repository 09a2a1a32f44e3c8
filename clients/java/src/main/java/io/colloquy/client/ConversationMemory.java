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
 * <p>{@link Mode#PRESERVE_HISTORY} (the default) never deletes a left-out message: the conversation's view starts
 * later instead (kept in the dialogue's metadata under {@code memory_view}), so the full history stays in Colloquy
 * for audit, search, export and retention, and an immutable project or a legal hold never refuses a window's
 * eviction. {@link Mode#REPLACE} deletes left-out messages.
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

    private record Read<M>(String conversationId, List<Stored<M>> view) {}

    private record Stored<M>(String id, long seq, M message) {}

    private record View(long fromSeq, List<String> pinned) {}

    /** A conversation's view as read at a dialogue revision, up to and including {@code lastSeq}. */
    private record Known<M>(String dialogueId, long revision, long lastSeq, List<Stored<M>> view) {
        Known<M> with(List<Stored<M>> appended) {
            if (appended.isEmpty()) {
                return this;
            }
            List<Stored<M>> longer = new ArrayList<>(view);
            longer.addAll(appended);
            return new Known<>(
                    dialogueId, revision, appended.get(appended.size() - 1).seq(), List.copyOf(longer));
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
        List<Stored<M>> view = view(conversationId);
        lastRead.set(new Read<>(conversationId, view));
        return view.stream().map(Stored::message).toList();
    }

    /** Saves the conversation as {@code messages}, writing only what changed (see the class comment). */
    public void replace(String conversationId, List<M> messages) {
        Objects.requireNonNull(messages, "messages");
        Read<M> read = lastRead.get();
        lastRead.remove();
        List<Stored<M>> base =
                read != null && read.conversationId().equals(conversationId) ? read.view() : view(conversationId);
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
                restartView(dialogue, base, kept);
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

    private List<Stored<M>> view(String conversationId) {
        Known<M> held = known.get(conversationId);
        if (held != null) {
            try {
                NamespaceClient.MessagesAfter after = ns.messagesAfter(held.dialogueId(), held.lastSeq());
                if (after.revision() == held.revision()) {
                    Known<M> now = held.with(
                            after.messages().stream().map(this::stored).toList());
                    known.replace(conversationId, held, now);
                    return now.view();
                }
            } catch (ColloquyException.NotFound gone) {
                dialogueIds.remove(conversationId);
            }
            known.remove(conversationId, held);
        }
        return load(conversationId);
    }

    /** Reads the conversation's view whole, and keeps it when nothing but appends happened while reading. */
    private List<Stored<M>> load(String conversationId) {
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
                return List.of();
            }
            dialogueIds.put(conversationId, dialogue.id());
        }
        View view = view(dialogue);
        List<Stored<M>> out = new ArrayList<>();
        for (String pinned : view.pinned()) {
            try {
                out.add(stored(ns.message(dialogue.id(), pinned)));
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
        after.messages().forEach(m -> out.add(stored(m)));
        List<Stored<M>> read = List.copyOf(out);
        if (after.revision() == dialogue.revision()) { // the pinned messages were read at this revision too
            long last = after.messages().isEmpty()
                    ? from
                    : after.messages().get(after.messages().size() - 1).seq();
            known.put(conversationId, new Known<>(dialogue.id(), dialogue.revision(), last, read));
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
            return new View(from.longValue(), pinned instanceof List<?> p ? (List<String>) p : List.of());
        }
        return new View(1, List.of());
    }

    /** The view now starts at the first kept message after the last dropped one; kept ones before it are pinned. */
    private void restartView(String dialogue, List<Stored<M>> base, Set<String> kept) {
        long lastDropped = base.stream()
                .filter(s -> !kept.contains(s.id()))
                .mapToLong(Stored::seq)
                .max()
                .orElse(0);
        long from = Long.MAX_VALUE;
        List<String> pinned = new ArrayList<>();
        for (Stored<M> s : base) {
            if (kept.contains(s.id())) {
                if (s.seq() < lastDropped) {
                    pinned.add(s.id());
                } else {
                    from = Math.min(from, s.seq());
                }
            }
        }
        if (from == Long.MAX_VALUE) {
            from = lastDropped + 1;
        }
        Dialogue d = ns.dialogue(dialogue);
        Map<String, Object> metadata = new LinkedHashMap<>(d.metadata() == null ? Map.of() : d.metadata());
        Map<String, Object> view = new HashMap<>();
        view.put("from_seq", from);
        view.put("pinned", pinned);
        metadata.put(VIEW, view);
        Dialogue updated = ns.updateDialogue(dialogue, Map.of("metadata", metadata));
        keepView(dialogue, d.revision(), updated.revision(), from, pinned);
    }

    /**
     * After this instance moved a conversation's view start, the view it holds follows when that was the only change
     * since it was read (the revision went up by exactly one), instead of being read whole again.
     */
    private void keepView(String dialogue, long before, long after, long from, List<String> pinned) {
        synchronized (known) {
            for (Map.Entry<String, Known<M>> e : known.entrySet()) {
                Known<M> held = e.getValue();
                if (!held.dialogueId().equals(dialogue)) {
                    continue;
                }
                if (held.revision() == before && after == before + 1) {
                    List<Stored<M>> kept = held.view().stream()
                            .filter(s -> pinned.contains(s.id()) || s.seq() >= from)
                            .toList();
                    e.setValue(new Known<>(dialogue, after, held.lastSeq(), kept));
                } else {
                    known.remove(e.getKey());
                }
                return;
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
