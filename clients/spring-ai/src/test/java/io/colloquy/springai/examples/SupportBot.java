package io.colloquy.springai.examples;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.MessageChatMemoryAdvisor;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

// application.properties:
//   colloquy.url=http://127.0.0.1:8080
//   colloquy.api-key=${COLLOQUY_API_KEY}
//   colloquy.namespace=support
// plus any Spring AI chat model starter (it provides the ChatClient.Builder)
@SpringBootApplication
public class SupportBot {
    public static void main(String[] args) {
        SpringApplication.run(SupportBot.class, args);
    }

    /** The repository is Colloquy's (auto-configured); the window decides what the model sees. */
    @Bean
    ChatMemory chatMemory(ChatMemoryRepository colloquy) {
        return MessageWindowChatMemory.builder()
                .chatMemoryRepository(colloquy)
                .maxMessages(20)
                .build();
    }

    @Bean
    ChatClient chatClient(ChatClient.Builder builder, ChatMemory memory) {
        return builder.defaultAdvisors(MessageChatMemoryAdvisor.builder(memory).build())
                .build();
    }

    /** One turn of one user's conversation: its id is the user's, Colloquy keeps every turn. */
    static String answer(ChatClient chat, String userId, String question) {
        return chat.prompt()
                .user(question)
                .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, userId))
                .call()
                .content();
    }
}
