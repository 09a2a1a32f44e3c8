package io.colloquy.springai;

import io.colloquy.client.ColloquyClient;
import io.colloquy.client.ConversationMemory;
import io.colloquy.client.NewMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.MessageType;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;

/**
 * A Spring AI {@link ChatMemoryRepository} on Colloquy ({@link ConversationMemory}): one dialogue per conversation,
 * found by the conversation id as the dialogue's key (one round trip, then cached).
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

    private final ConversationMemory<Message> memory;

    /** A repository on a namespace, in {@link Mode#PRESERVE_HISTORY}. */
    public ColloquyChatMemoryRepository(ColloquyClient client, String namespace) {
        this(client, namespace, Mode.PRESERVE_HISTORY);
    }

    /** A repository on a namespace, in the given mode. */
    public ColloquyChatMemoryRepository(ColloquyClient client, String namespace, Mode mode) {
        this.memory = new ConversationMemory<>(
                client,
                namespace,
                mode == Mode.REPLACE ? ConversationMemory.Mode.REPLACE : ConversationMemory.Mode.PRESERVE_HISTORY,
                new MessageCodec());
    }

    @Override
    public List<String> findConversationIds() {
        return memory.conversationIds();
    }

    @Override
    public List<Message> findByConversationId(String conversationId) {
        requireId(conversationId);
        return memory.read(conversationId);
    }

    @Override
    public void saveAll(String conversationId, List<Message> messages) {
        requireId(conversationId);
        memory.replace(conversationId, messages);
    }

    @Override
    public void deleteByConversationId(String conversationId) {
        requireId(conversationId);
        memory.delete(conversationId);
    }

    /** The dialogue key of a conversation id. */
    static String key(String conversationId) {
        return ConversationMemory.key(conversationId);
    }

    private static void requireId(String conversationId) {
        if (conversationId == null || conversationId.isEmpty()) {
            throw new IllegalArgumentException("conversationId cannot be null or empty");
        }
    }

    /** Messages to and from their stored form. */
    static final class MessageCodec implements ConversationMemory.Codec<Message> {
        static final String MESSAGE_ID = "colloquy_message_id";
        static final String SEQ = "colloquy_seq";
        static final String TIMESTAMP = "timestamp";

        @Override
        public String storedId(Message m) {
            Object id = m.getMetadata().get(MESSAGE_ID);
            return id == null ? null : id.toString();
        }

        @Override
        public NewMessage encode(Message m) {
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("type", m.getMessageType().name());
            String text = m.getText() == null ? "" : m.getText();
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
            if (!content.equals(text)) { // else the content is the text: an edit of the content shows here
                meta.put("text", text);
            }
            return new NewMessage(role(m.getMessageType()), content, Map.of(META, meta));
        }

        @Override
        @SuppressWarnings("unchecked")
        public Message decode(io.colloquy.client.Message stored) {
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
        @Override
        public boolean same(Message a, Message b) {
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
