package io.colloquy.springai;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code colloquy.*}: where the Colloquy server is and which namespace holds the application's conversations.
 *
 * @param url the server's base URL, such as {@code http://localhost:8080} (setting it turns the repository on)
 * @param apiKey an API key with the {@code write} capability ({@code cq_key_...})
 * @param namespace the namespace of the conversations (default {@code default})
 * @param springAi the repository's settings
 */
@ConfigurationProperties("colloquy")
public record ColloquyProperties(String url, String apiKey, String namespace, SpringAi springAi) {
    /** Defaults for what is not set. */
    public ColloquyProperties {
        namespace = namespace == null || namespace.isBlank() ? "default" : namespace;
        springAi = springAi == null ? new SpringAi(null) : springAi;
    }

    /**
     * {@code colloquy.spring-ai.*}.
     *
     * @param mode {@code preserve-history} (default: left-out messages stay in Colloquy, out of the conversation's
     *     view) or {@code replace} (they are deleted)
     */
    public record SpringAi(ColloquyChatMemoryRepository.Mode mode) {
        /** Defaults for what is not set. */
        public SpringAi {
            mode = mode == null ? ColloquyChatMemoryRepository.Mode.PRESERVE_HISTORY : mode;
        }
    }
}
