package io.colloquy.langchain4j.examples;

import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.UserMessage;
import dev.langchain4j.store.memory.chat.ChatMemoryStore;
import io.colloquy.client.ColloquyClient;
import io.colloquy.langchain4j.ColloquyChatMemoryStore;

public class Assistants {
    /** An assistant with one memory per user. */
    public interface Assistant {
        String chat(@MemoryId String userId, @UserMessage String message);
    }

    /** {@code model}: any LangChain4j chat model (OpenAI, Ollama, ...). */
    public static Assistant create(ChatModel model) {
        ColloquyClient colloquy = ColloquyClient.builder()
                .url(System.getenv().getOrDefault("COLLOQUY_URL", "http://127.0.0.1:8080"))
                .apiKey(System.getenv("COLLOQUY_API_KEY"))
                .build();
        ChatMemoryStore store = new ColloquyChatMemoryStore(colloquy, "support");
        return AiServices.builder(Assistant.class)
                .chatModel(model)
                .chatMemoryProvider(userId -> MessageWindowChatMemory.builder()
                        .id(userId)
                        .maxMessages(20)
                        .chatMemoryStore(store)
                        .build())
                .build();
    }
}
