package io.colloquy.springai;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.client.TestServer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Adding the dependency and the three properties is enough; without {@code colloquy.url} nothing is configured. */
class ColloquyChatMemoryAutoConfigurationTests {
    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ColloquyChatMemoryAutoConfiguration.class));

    @Test
    void theRepositoryIsColloquyOnceUrlKeyAndNamespaceAreSet() {
        TestServer server = TestServer.shared();
        String key = server.newProject().adminKey();
        runner.withPropertyValues(
                        "colloquy.url=" + server.url(),
                        "colloquy.api-key=" + key,
                        "colloquy.namespace=from-properties",
                        "colloquy.spring-ai.mode=replace")
                .run(context -> {
                    ChatMemoryRepository repository = context.getBean(ChatMemoryRepository.class);
                    assertThat(repository).isInstanceOf(ColloquyChatMemoryRepository.class);
                    repository.saveAll("configured", List.of(new UserMessage("hello")));
                    assertThat(repository.findByConversationId("configured"))
                            .extracting(Message::getText)
                            .containsExactly("hello");
                    assertThat(context.getBean(ColloquyProperties.class)
                                    .springAi()
                                    .mode())
                            .isEqualTo(ColloquyChatMemoryRepository.Mode.REPLACE);
                });
    }

    @Test
    void withoutAUrlNothingIsConfigured() {
        runner.run(context -> assertThat(context).doesNotHaveBean(ChatMemoryRepository.class));
    }
}
