package io.colloquy.springai;

import io.colloquy.client.ColloquyClient;
import io.colloquy.client.ColloquyException;
import io.colloquy.client.Dialogue;
import io.colloquy.client.NamespaceClient;
import io.colloquy.client.NewDialogue;
import io.colloquy.client.NewMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
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
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.MessageType;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;

/**
 * A Spring AI {@link ChatMemoryRepository} on Colloquy: one dialogue per conversation, found by the conversation id
 * as the dialogue's key (one round trip, then cached).
 *
 * <p>{@link #saveAll} keeps Spring AI's contract — afterwards {@link #findByConversationId} answers exactly the
 * messages saved — but writes only what changed: it matches the messages against what this thread last read of the
 * conversation (or what is stored), appends the new tail in one request per 100 messages, and drops from the
 * conversation only the messages the caller left out (a window's evicted head, or everything on a real replace).
 * Messages another thread appended meanwhile are kept, so concurrent appends are never lost. Tool calls of
 * assistant messages and tool responses are stored with the message (its metadata), as is each message's own
 * metadata; read messages carry {@code timestamp} (when stored), {@code colloquy_message_id} and
 * {@code colloquy_seq} in their metadata.
 *
 * <p>{@link Mode#PRESERVE_HISTORY} (the default) never deletes a message that was left out: the conversation's
 * current view starts later instead (kept in the dialogue's metadata), so the full history stays in Colloquy for
 * audit, search, export and retention, and an immutable project or a legal hold does not refuse the window's
 * eviction. {@link Mode#REPLACE} deletes left-out messages, as Spring AI's JDBC repository does.
 */
public final class ColloquyChatMemoryRepository implements ChatMemoryRepository {
    /** What happens to messages that {@link #saveAll} leaves out. */
    public enum Mode {
        /** They stay in the dialogue, out of the conversation's view (the default). */
        PRESERVE_HISTORY,
        /** They are deleted. */
        REPLACE
    }

    static final String META = "spring_ai";
    private static final Pattern KEY = Pattern.compile("^[A-Za-z0-9._:@~+=-]{1,256}$");
    private static final int MAX_BATCH = 100;

    private final NamespaceClient ns;
    private final Mode mode;
    private final Map<String, String> dialogueIds = new ConcurrentHashMap<>();
    private final ThreadLocal<Read> lastRead = new ThreadLocal<>();

    /** A repository on a namespace, in {@link Mode#PRESERVE_HISTORY}. */
    public ColloquyChatMemoryRepository(ColloquyClient client, String namespace) {
        this(client, namespace, Mode.PRESERVE_HISTORY);
    }

    /** A repository on a namespace, in the given mode. */
    public ColloquyChatMemoryRepository(ColloquyClient client, String namespace, Mode mode) {
        this.ns = client.namespace(namespace);
        this.mode = Objects.requireNonNull(mode);
    }

    /** What a thread last read of a conversation: the base its next save is matched against. */
    private record Read(String conversationId, List<Stored> view) {}

    /** A message as stored. */
    private record Stored(String id, long seq, Message message) {}

    /** A conversation's view: the messages from {@code fromSeq} on, plus pinned earlier ones (kept system messages). */
    private record View(long fromSeq, List<String> pinned) {}

    @Override
    public List<String> findConversationIds() {
        List<String> ids = new ArrayList<>();
        ns.dialogues(null, 200).forEach(d -> {
            if (d.key() != null) {
                Object original = d.metadata() == null ? null : d.metadata().get("conversation_id");
                ids.add(original instanceof String s ? s : d.key());
            }
        });
        return ids;
    }

    @Override
    public List<Message> findByConversationId(String conversationId) {
        requireId(conversationId);
        List<Stored> view = view(conversationId);
        lastRead.set(new Read(conversationId, view));
        return view.stream().map(Stored::message).toList();
    }

    @Override
    public void saveAll(String conversationId, List<Message> messages) {
        requireId(conversationId);
        Objects.requireNonNull(messages, "messages");
        Read read = lastRead.get();
        lastRead.remove();
        List<Stored> base =
                read != null && read.conversationId().equals(conversationId) ? read.view() : view(conversationId);
        String dialogue = dialogueId(conversationId);

        // match the messages, in order, against the base: what matched stays, what follows the last match is new
        Set<String> kept = new HashSet<>();
        int next = 0;
        int matched = 0;
        for (Message m : messages) {
            int found = find(base, next, m);
            if (found < 0) {
                break;
            }
            kept.add(base.get(found).id());
            next = found + 1;
            matched++;
        }
        List<Message> tail = messages.subList(matched, messages.size());
        List<Stored> dropped = base.stream().filter(s -> !kept.contains(s.id())).toList();

        if (!dropped.isEmpty()) {
            if (mode == Mode.REPLACE) {
                for (Stored s : dropped) {
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
                    .map(MessageCodec::encode)
                    .toList();
            try {
                ns.append(dialogue, batch);
            } catch (ColloquyException.NotFound deletedMeanwhile) {
                dialogueIds.remove(conversationId);
                ns.append(dialogueId(conversationId), batch);
            }
        }
    }

    @Override
    public void deleteByConversationId(String conversationId) {
        requireId(conversationId);
        ns.findDialogueByKey(key(conversationId)).ifPresent(d -> {
            try {
                ns.deleteDialogue(d.id());
            } catch (ColloquyException.NotFound gone) {
                // deleted meanwhile
            }
        });
        dialogueIds.remove(conversationId);
        lastRead.remove();
    }

    /** The conversation's current view, in order. */
    private List<Stored> view(String conversationId) {
        String cached = dialogueIds.get(conversationId);
        Dialogue dialogue;
        if (cached != null) {
            try {
                dialogue = ns.dialogue(cached);
            } catch (ColloquyException.NotFound gone) {
                dialogueIds.remove(conversationId);
                return view(conversationId);
            }
        } else {
            dialogue = ns.findDialogueByKey(key(conversationId)).orElse(null);
            if (dialogue == null) {
                return List.of();
            }
            dialogueIds.put(conversationId, dialogue.id());
        }
        View view = view(dialogue);
        List<Stored> out = new ArrayList<>();
        for (String pinned : view.pinned()) {
            try {
                out.add(stored(ns.message(dialogue.id(), pinned)));
            } catch (ColloquyException.NotFound deleted) {
                // deleted by hand: no longer in the view
            }
        }
        ns.messages(dialogue.id(), Math.max(0, view.fromSeq() - 1), 200).forEach(m -> out.add(stored(m)));
        return out;
    }

    private static Stored stored(io.colloquy.client.Message m) {
        return new Stored(m.id(), m.seq(), MessageCodec.decode(m));
    }

    @SuppressWarnings("unchecked")
    private static View view(Dialogue d) {
        Object meta = d.metadata() == null ? null : d.metadata().get(META);
        if (meta instanceof Map<?, ?> m && m.get("view_from_seq") instanceof Number from) {
            Object pinned = m.get("pinned");
            return new View(from.longValue(), pinned instanceof List<?> p ? (List<String>) p : List.of());
        }
        return new View(1, List.of());
    }

    /** PRESERVE_HISTORY: the view now starts at the first kept message; earlier kept ones are pinned. */
    private void restartView(String dialogue, List<Stored> base, Set<String> kept) {
        long from = Long.MAX_VALUE;
        List<String> pinned = new ArrayList<>();
        // the first kept message after the last dropped one starts the view; kept ones before it are pinned
        long lastDropped = base.stream()
                .filter(s -> !kept.contains(s.id()))
                .mapToLong(Stored::seq)
                .max()
                .orElse(0);
        for (Stored s : base) {
            if (kept.contains(s.id())) {
                if (s.seq() < lastDropped) {
                    pinned.add(s.id());
                } else {
                    from = Math.min(from, s.seq());
                }
            }
        }
        if (from == Long.MAX_VALUE) {
            from = lastDropped + 1; // everything was left out: the view starts after it
        }
        Dialogue d = ns.dialogue(dialogue);
        Map<String, Object> metadata = new LinkedHashMap<>(d.metadata() == null ? Map.of() : d.metadata());
        Map<String, Object> view = new HashMap<>();
        view.put("view_from_seq", from);
        view.put("pinned", pinned);
        metadata.put(META, view);
        ns.updateDialogue(dialogue, Map.of("metadata", metadata));
    }

    /** The index of the first message at or after {@code from} of {@code base} that {@code m} is. */
    private static int find(List<Stored> base, int from, Message m) {
        Object id = m.getMetadata().get(MessageCodec.MESSAGE_ID);
        for (int i = from; i < base.size(); i++) {
            Stored s = base.get(i);
            if (id != null ? id.equals(s.id()) : MessageCodec.same(s.message(), m)) {
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

    /** The dialogue key of a conversation id: itself when it is a valid key, else a digest of it. */
    static String key(String conversationId) {
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

    private static void requireId(String conversationId) {
        if (conversationId == null || conversationId.isEmpty()) {
            throw new IllegalArgumentException("conversationId cannot be null or empty");
        }
    }

    /** Messages to and from their stored form. */
    static final class MessageCodec {
        static final String MESSAGE_ID = "colloquy_message_id";
        static final String SEQ = "colloquy_seq";
        static final String TIMESTAMP = "timestamp";

        private MessageCodec() {}

        static NewMessage encode(Message m) {
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("type", m.getMessageType().name());
            String text = m.getText() == null ? "" : m.getText();
            meta.put("text", text);
            Map<String, Object> own = new LinkedHashMap<>(m.getMetadata());
            own.remove(MESSAGE_ID);
            own.remove(SEQ);
            own.remove(TIMESTAMP);
            own.remove("messageType");
            meta.put("metadata", own);
            if (m instanceof AssistantMessage a && a.hasToolCalls()) {
                meta.put(
                        "tool_calls",
                        a.getToolCalls().stream()
                                .map(c -> map(
                                        "id", c.id(), "type", c.type(), "name", c.name(), "arguments", c.arguments()))
                                .toList());
            }
            String content = text;
            if (m instanceof ToolResponseMessage t) {
                meta.put(
                        "tool_responses",
                        t.getResponses().stream()
                                .map(r -> map("id", r.id(), "name", r.name(), "response_data", r.responseData()))
                                .toList());
                content = String.join(
                        "\n",
                        t.getResponses().stream()
                                .map(r -> r.name() + ": " + r.responseData())
                                .toList());
            }
            if (content.isEmpty()) { // the server stores 1 character at least: a readable stand-in
                content = m instanceof AssistantMessage a && a.hasToolCalls()
                        ? "[tool calls: "
                                + String.join(
                                        ", ",
                                        a.getToolCalls().stream()
                                                .map(AssistantMessage.ToolCall::name)
                                                .toList())
                                + "]"
                        : "[empty]";
            }
            return new NewMessage(role(m.getMessageType()), content, Map.of(META, meta));
        }

        @SuppressWarnings("unchecked")
        static Message decode(io.colloquy.client.Message stored) {
            Map<String, Object> meta =
                    stored.metadata() != null && stored.metadata().get(META) instanceof Map<?, ?> m
                            ? (Map<String, Object>) m
                            : Map.of();
            String text = meta.get("text") instanceof String s ? s : stored.content();
            Map<String, Object> metadata = new LinkedHashMap<>();
            if (meta.get("metadata") instanceof Map<?, ?> own) {
                metadata.putAll((Map<String, Object>) own);
            }
            metadata.put(MESSAGE_ID, stored.id());
            metadata.put(SEQ, stored.seq());
            metadata.put(TIMESTAMP, stored.createdAt() == null ? Instant.EPOCH : stored.createdAt());
            MessageType type = meta.get("type") instanceof String t ? MessageType.valueOf(t) : type(stored.role());
            switch (type) {
                case USER -> {
                    return UserMessage.builder().text(text).metadata(metadata).build();
                }
                case SYSTEM -> {
                    return SystemMessage.builder().text(text).metadata(metadata).build();
                }
                case ASSISTANT -> {
                    List<AssistantMessage.ToolCall> calls = new ArrayList<>();
                    if (meta.get("tool_calls") instanceof List<?> list) {
                        for (Object o : list) {
                            Map<String, Object> c = (Map<String, Object>) o;
                            calls.add(new AssistantMessage.ToolCall(
                                    str(c, "id"), str(c, "type"), str(c, "name"), str(c, "arguments")));
                        }
                    }
                    return AssistantMessage.builder()
                            .content(text)
                            .properties(metadata)
                            .toolCalls(calls)
                            .build();
                }
                default -> {
                    List<ToolResponseMessage.ToolResponse> responses = new ArrayList<>();
                    if (meta.get("tool_responses") instanceof List<?> list) {
                        for (Object o : list) {
                            Map<String, Object> r = (Map<String, Object>) o;
                            responses.add(new ToolResponseMessage.ToolResponse(
                                    str(r, "id"), str(r, "name"), str(r, "response_data")));
                        }
                    }
                    return ToolResponseMessage.builder()
                            .responses(responses)
                            .metadata(metadata)
                            .build();
                }
            }
        }

        /** The same message, whatever metadata the store added: type, text, tool calls and responses. */
        static boolean same(Message a, Message b) {
            if (a.getMessageType() != b.getMessageType() || !Objects.equals(text(a), text(b))) {
                return false;
            }
            if (a instanceof AssistantMessage x && b instanceof AssistantMessage y) {
                return Objects.equals(x.getToolCalls(), y.getToolCalls());
            }
            if (a instanceof ToolResponseMessage x && b instanceof ToolResponseMessage y) {
                return Objects.equals(x.getResponses(), y.getResponses());
            }
            return true;
        }

        private static String text(Message m) {
            return m.getText() == null ? "" : m.getText();
        }

        private static String role(MessageType type) {
            return switch (type) {
                case USER -> "user";
                case ASSISTANT -> "assistant";
                case SYSTEM -> "system";
                case TOOL -> "tool";
            };
        }

        private static MessageType type(String role) {
            return switch (role) {
                case "assistant" -> MessageType.ASSISTANT;
                case "system" -> MessageType.SYSTEM;
                case "tool" -> MessageType.TOOL;
                default -> MessageType.USER;
            };
        }

        private static String str(Map<String, Object> m, String k) {
            Object v = m.get(k);
            return v == null ? null : v.toString();
        }

        private static Map<String, Object> map(Object... kv) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (int i = 0; i < kv.length; i += 2) {
                out.put((String) kv[i], kv[i + 1]);
            }
            return out;
        }
    }
}
