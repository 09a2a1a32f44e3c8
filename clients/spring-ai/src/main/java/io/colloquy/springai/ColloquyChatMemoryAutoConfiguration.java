package io.colloquy.springai;

import io.colloquy.client.ColloquyClient;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Adding the dependency and setting {@code colloquy.url} and {@code colloquy.api-key} is enough: the application's
 * {@link ChatMemoryRepository} (and so Spring AI's {@code ChatMemory}) is Colloquy. Runs before Spring AI's own chat
 * memory auto-configuration, whose in-memory repository then stands back.
 */
@AutoConfiguration(beforeName = "org.springframework.ai.model.chat.memory.autoconfigure.ChatMemoryAutoConfiguration")
@ConditionalOnClass(ChatMemoryRepository.class)
@ConditionalOnProperty(prefix = "colloquy", name = "url")
@EnableConfigurationProperties(ColloquyProperties.class)
public class ColloquyChatMemoryAutoConfiguration {
    /** The Colloquy client of {@code colloquy.url} and {@code colloquy.api-key}. */
    @Bean
    @ConditionalOnMissingBean
    public ColloquyClient colloquyClient(ColloquyProperties properties) {
        if (properties.apiKey() == null || properties.apiKey().isBlank()) {
            throw new IllegalStateException("colloquy.api-key must be set (an API key with the write capability)");
        }
        return ColloquyClient.builder()
                .url(properties.url())
                .apiKey(properties.apiKey())
                .build();
    }

    /** The chat memory repository on {@code colloquy.namespace}. */
    @Bean
    @ConditionalOnMissingBean
    public ChatMemoryRepository colloquyChatMemoryRepository(ColloquyClient client, ColloquyProperties properties) {
        return new ColloquyChatMemoryRepository(
                client, properties.namespace(), properties.springAi().mode());
    }
}
