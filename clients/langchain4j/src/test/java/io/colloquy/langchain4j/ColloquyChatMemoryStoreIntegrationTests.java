package io.colloquy.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import io.colloquy.client.ColloquyClient;
import io.colloquy.client.ConversationMemory;
import io.colloquy.client.NamespaceClient;
import io.colloquy.client.TestServer;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The store against the real server, tested the way LangChain4j tests its own stores, and through a window memory. */
class ColloquyChatMemoryStoreIntegrationTests {
    final TestServer server = TestServer.shared();
    ColloquyClient client;
    String namespace;
    ColloquyChatMemoryStore store;

    @BeforeEach
    void setUp() {
        client = server.client(server.newProject());
        namespace = "lc4j-" + UUID.randomUUID().toString().substring(0, 8);
        store = new ColloquyChatMemoryStore(client, namespace);
    }

    @Test
    void answersNoMessagesForAnUnknownMemoryId() {
        assertThat(store.getMessages("unknown-" + UUID.randomUUID())).isEmpty();
    }

    @Test
    void everyMessageTypeRoundTrips() {
        ToolExecutionRequest weather = ToolExecutionRequest.builder()
                .id("call-1")
                .name("weather")
                .arguments("{\"city\":\"Paris\"}")
                .build();
        ToolExecutionRequest time = ToolExecutionRequest.builder()
                .id("call-2")
                .name("time")
                .arguments("{}")
                .build();
        List<ChatMessage> messages = List.of(
                SystemMessage.from("You are terse."),
                UserMessage.from("alice", List.of(TextContent.from("first part"), TextContent.from("second part"))),
                AiMessage.from(List.of(weather, time)),
                ToolExecutionResultMessage.from(weather, "{\"sky\":\"clear\"}"),
                ToolExecutionResultMessage.from(time, "12:00"),
                AiMessage.from("Clear sky at noon.", List.of()));
        String id = UUID.randomUUID().toString();
        store.updateMessages(id, messages);
        assertThat(store.getMessages(id)).containsExactlyElementsOf(messages);
        assertThat(history(id))
                .containsExactly(
                        "You are terse.",
                        "first part\nsecond part",
                        "[tool calls: weather, time]",
                        "weather: {\"sky\":\"clear\"}",
                        "time: 12:00",
                        "Clear sky at noon.");
    }

    @Test
    void updateReplacesTheMessages() {
        String id = UUID.randomUUID().toString();
        store.updateMessages(id, List.of(UserMessage.from("one"), AiMessage.from("two")));
        store.updateMessages(id, List.of(UserMessage.from("three")));
        assertThat(store.getMessages(id)).containsExactly(UserMessage.from("three"));
    }

    @Test
    void deletesTheMessagesOfOneMemoryIdOnly() {
        store.updateMessages("a", List.of(UserMessage.from("for a")));
        store.updateMessages("b", List.of(UserMessage.from("for b")));
        store.deleteMessages("a");
        assertThat(store.getMessages("a")).isEmpty();
        assertThat(store.getMessages("b")).containsExactly(UserMessage.from("for b"));
    }

    @Test
    void memoryIdsAreIsolatedFromEachOtherAndFromAnotherProject() {
        store.updateMessages(1, List.of(UserMessage.from("one")));
        store.updateMessages(2, List.of(UserMessage.from("two")));
        assertThat(store.getMessages(1)).containsExactly(UserMessage.from("one"));
        assertThat(store.getMessages(2)).containsExactly(UserMessage.from("two"));
        ColloquyChatMemoryStore otherProject =
                new ColloquyChatMemoryStore(server.client(server.newProject()), namespace);
        assertThat(otherProject.getMessages(1)).isEmpty();
        assertThat(new ColloquyChatMemoryStore(client, namespace + "-other").getMessages(1))
                .isEmpty();
    }

    @Test
    void aWindowMemoryAppendsEachMessageOnceAndKeepsTheEvictedHistory() {
        ChatMemory memory = MessageWindowChatMemory.builder()
                .id("window")
                .maxMessages(4)
                .chatMemoryStore(store)
                .build();
        memory.add(SystemMessage.from("system"));
        for (int i = 0; i < 10; i++) {
            memory.add(UserMessage.from("q" + i));
            memory.add(AiMessage.from("a" + i));
        }
        assertThat(memory.messages())
                .containsExactly(
                        SystemMessage.from("system"),
                        AiMessage.from("a8"),
                        UserMessage.from("q9"),
                        AiMessage.from("a9"));
        List<io.colloquy.client.Message> stored = messages("window");
        assertThat(stored).hasSize(21);
        assertThat(stored.get(20).seq()).as("no rewrite: one write per message").isEqualTo(21);

        ColloquyChatMemoryStore replacing =
                new ColloquyChatMemoryStore(client, namespace, ConversationMemory.Mode.REPLACE);
        ChatMemory replaced = MessageWindowChatMemory.builder()
                .id("replaced")
                .maxMessages(4)
                .chatMemoryStore(replacing)
                .build();
        for (int i = 0; i < 10; i++) {
            replaced.add(UserMessage.from("q" + i));
        }
        assertThat(history("replaced")).containsExactly("q6", "q7", "q8", "q9");
    }

    private List<io.colloquy.client.Message> messages(String memoryId) {
        NamespaceClient ns = client.namespace(namespace);
        return ns.messages(ns.findDialogueByKey(ConversationMemory.key(memoryId))
                        .orElseThrow()
                        .id())
                .toList();
    }

    private List<String> history(String memoryId) {
        return messages(memoryId).stream()
                .map(io.colloquy.client.Message::content)
                .toList();
    }
}
