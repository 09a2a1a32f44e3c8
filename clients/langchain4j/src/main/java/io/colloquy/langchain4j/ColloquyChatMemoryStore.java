package io.colloquy.langchain4j;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ChatMessageDeserializer;
import dev.langchain4j.data.message.ChatMessageSerializer;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.store.memory.chat.ChatMemoryStore;
import io.colloquy.client.ColloquyClient;
import io.colloquy.client.ConversationMemory;
import io.colloquy.client.Message;
import io.colloquy.client.NewMessage;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A LangChain4j {@link ChatMemoryStore} on Colloquy ({@link ConversationMemory}): one dialogue per memory id (its
 * {@code toString()}), found by it as the dialogue's key. {@link #updateMessages} writes only the new tail (a
 * {@code MessageWindowChatMemory} passes the whole window on every turn) and keeps concurrent appends; every message
 * type round-trips exactly (LangChain4j's own JSON form is kept in the message's metadata), while the message's
 * content holds its readable text for search and export.
 *
 * <p>By default ({@link ConversationMemory.Mode#PRESERVE_HISTORY}) messages a window evicts stay in Colloquy, out of
 * the memory's view; {@link ConversationMemory.Mode#REPLACE} deletes them.
 */
public final class ColloquyChatMemoryStore implements ChatMemoryStore {
    static final String META = "langchain4j";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    private final ConversationMemory<ChatMessage> memory;

    /** A store on a namespace that keeps history. */
    public ColloquyChatMemoryStore(ColloquyClient client, String namespace) {
        this(client, namespace, ConversationMemory.Mode.PRESERVE_HISTORY);
    }

    /** A store on a namespace, in the given mode. */
    public ColloquyChatMemoryStore(ColloquyClient client, String namespace, ConversationMemory.Mode mode) {
        this.memory = new ConversationMemory<>(client, namespace, mode, new Codec());
    }

    @Override
    public List<ChatMessage> getMessages(Object memoryId) {
        return memory.read(id(memoryId));
    }

    @Override
    public void updateMessages(Object memoryId, List<ChatMessage> messages) {
        memory.replace(id(memoryId), messages);
    }

    @Override
    public void deleteMessages(Object memoryId) {
        memory.delete(id(memoryId));
    }

    private static String id(Object memoryId) {
        Objects.requireNonNull(memoryId, "memoryId");
        String id = memoryId.toString();
        if (id.isEmpty()) {
            throw new IllegalArgumentException("memoryId cannot be empty");
        }
        return id;
    }

    /** Messages to and from their stored form. */
    static final class Codec implements ConversationMemory.Codec<ChatMessage> {
        @Override
        public NewMessage encode(ChatMessage message) {
            Map<String, Object> json;
            try {
                json = JSON.readValue(ChatMessageSerializer.messageToJson(message), MAP);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("a message LangChain4j cannot serialise: " + message, e);
            }
            String content = text(message);
            return new NewMessage(
                    role(message), content.isEmpty() ? "[" + message.type() + "]" : content, Map.of(META, json));
        }

        @Override
        public ChatMessage decode(Message stored) {
            Object json = stored.metadata() == null ? null : stored.metadata().get(META);
            if (json instanceof Map<?, ?> form) {
                try {
                    return ChatMessageDeserializer.messageFromJson(JSON.writeValueAsString(form));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
            switch (stored.role()) { // written by something else than this store
                case "system" -> {
                    return SystemMessage.from(stored.content());
                }
                case "assistant" -> {
                    return AiMessage.from(stored.content());
                }
                default -> {
                    return UserMessage.from(stored.content());
                }
            }
        }

        @Override
        public String storedId(ChatMessage message) {
            return null;
        }

        @Override
        public boolean same(ChatMessage stored, ChatMessage given) {
            return stored.equals(given);
        }

        private static String text(ChatMessage message) {
            if (message instanceof SystemMessage s) {
                return s.text();
            }
            if (message instanceof UserMessage u) {
                return u.contents().stream()
                        .filter(TextContent.class::isInstance)
                        .map(c -> ((TextContent) c).text())
                        .collect(Collectors.joining("\n"));
            }
            if (message instanceof AiMessage a) {
                String text = a.text() == null ? "" : a.text();
                if (a.hasToolExecutionRequests()) {
                    text += (text.isEmpty() ? "" : "\n") + "[tool calls: "
                            + a.toolExecutionRequests().stream()
                                    .map(r -> r.name())
                                    .collect(Collectors.joining(", "))
                            + "]";
                }
                return text;
            }
            if (message instanceof ToolExecutionResultMessage t) {
                return t.toolName() + ": " + t.text();
            }
            return "";
        }

        private static String role(ChatMessage message) {
            return switch (message.type()) {
                case SYSTEM -> "system";
                case USER -> "user";
                case AI -> "assistant";
                case TOOL_EXECUTION_RESULT -> "tool";
                default -> "assistant";
            };
        }
    }
}
