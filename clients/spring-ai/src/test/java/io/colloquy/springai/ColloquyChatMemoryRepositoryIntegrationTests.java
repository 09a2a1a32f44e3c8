package io.colloquy.springai;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.client.ColloquyClient;
import io.colloquy.client.NamespaceClient;
import io.colloquy.client.TestServer;
import io.colloquy.springai.ColloquyChatMemoryRepository.Mode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.MessageType;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;

/**
 * The repository against the real server, with the behaviour Spring AI's own repository tests assert (a message of
 * each type, several messages, replace on saveAll, the order of a 50-message batch, conversation ids, delete,
 * timestamps in metadata) plus what Colloquy adds: only the new tail is written, history is kept, tool calls and
 * results survive, and concurrent appends are all kept in order.
 */
class ColloquyChatMemoryRepositoryIntegrationTests {
    final TestServer server = TestServer.shared();
    ColloquyClient client;
    String namespace;
    ColloquyChatMemoryRepository repository;

    @BeforeEach
    void setUp() {
        client = server.client(server.newProject());
        namespace = "chat-" + UUID.randomUUID().toString().substring(0, 8);
        repository = new ColloquyChatMemoryRepository(client, namespace);
    }

    private static String text(Message m) {
        return m.getText();
    }

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void savesAndFindsOneMessageOfEachTypeWithItsTimestamp(MessageType type) {
        String id = UUID.randomUUID().toString();
        Message message =
                switch (type) {
                    case USER -> new UserMessage("user " + id);
                    case ASSISTANT -> new AssistantMessage("assistant " + id);
                    case SYSTEM -> new SystemMessage("system " + id);
                    case TOOL ->
                        ToolResponseMessage.builder()
                                .responses(List.of(new ToolResponseMessage.ToolResponse("c1", "weather", "sunny")))
                                .build();
                };
        Instant before = Instant.now().minusSeconds(5);
        repository.saveAll(id, List.of(message));

        List<Message> found = repository.findByConversationId(id);
        assertThat(found).hasSize(1);
        assertThat(found.get(0).getMessageType()).isEqualTo(type);
        assertThat(found.get(0).getText()).isEqualTo(message.getText());
        assertThat((Instant) found.get(0).getMetadata().get("timestamp")).isAfter(before);
        assertThat(repository.findConversationIds()).contains(id);
    }

    @Test
    void savesSeveralMessagesInOrderAndFindsNothingForAnUnknownConversation() {
        String id = UUID.randomUUID().toString();
        List<Message> messages = List.of(
                new SystemMessage("be brief"),
                new UserMessage("hello"),
                new AssistantMessage("hi"),
                new UserMessage("bye"));
        repository.saveAll(id, messages);
        assertThat(repository.findByConversationId(id))
                .extracting(Message::getMessageType, ColloquyChatMemoryRepositoryIntegrationTests::text)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(MessageType.SYSTEM, "be brief"),
                        org.assertj.core.groups.Tuple.tuple(MessageType.USER, "hello"),
                        org.assertj.core.groups.Tuple.tuple(MessageType.ASSISTANT, "hi"),
                        org.assertj.core.groups.Tuple.tuple(MessageType.USER, "bye"));
        assertThat(repository.findByConversationId("never-saved")).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void saveAllReplacesWhatTheConversationShowsAndReplaceModeAloneDeletes(Mode mode) {
        ColloquyChatMemoryRepository repo = new ColloquyChatMemoryRepository(client, namespace, mode);
        String id = "replace-" + mode;
        repo.saveAll(id, List.of(new UserMessage("a"), new AssistantMessage("b"), new UserMessage("c")));
        repo.saveAll(id, List.of(new UserMessage("d"), new AssistantMessage("e")));
        assertThat(repo.findByConversationId(id))
                .extracting(ColloquyChatMemoryRepositoryIntegrationTests::text)
                .containsExactly("d", "e");
        List<String> stored = history(id);
        assertThat(stored).isEqualTo(mode == Mode.REPLACE ? List.of("d", "e") : List.of("a", "b", "c", "d", "e"));
    }

    @Test
    void keepsTheOrderOfA50MessageBatch() {
        String id = UUID.randomUUID().toString();
        List<Message> batch = IntStream.range(0, 50)
                .mapToObj(i -> i % 2 == 0 ? (Message) new UserMessage("m" + i) : new AssistantMessage("m" + i))
                .toList();
        repository.saveAll(id, batch);
        assertThat(repository.findByConversationId(id))
                .extracting(ColloquyChatMemoryRepositoryIntegrationTests::text)
                .containsExactlyElementsOf(
                        IntStream.range(0, 50).mapToObj(i -> "m" + i).toList());
    }

    @Test
    void findsConversationIdsAlsoThoseThatAreNoValidKeyAndDeletesOne() {
        String odd = "user 42 / chat #7 é";
        repository.saveAll(odd, List.of(new UserMessage("odd")));
        repository.saveAll("plain", List.of(new UserMessage("plain")));
        assertThat(repository.findConversationIds()).containsExactlyInAnyOrder(odd, "plain");
        assertThat(repository.findByConversationId(odd))
                .extracting(Message::getText)
                .containsExactly("odd");

        repository.deleteByConversationId(odd);
        assertThat(repository.findByConversationId(odd)).isEmpty();
        assertThat(repository.findConversationIds()).containsExactly("plain");
        repository.saveAll(odd, List.of(new UserMessage("again")));
        assertThat(repository.findByConversationId(odd))
                .extracting(Message::getText)
                .containsExactly("again");
    }

    @Test
    void storesToolCallsToolResultsAndMessageMetadata() {
        String id = UUID.randomUUID().toString();
        AssistantMessage calls = AssistantMessage.builder()
                .content("")
                .properties(Map.of("model", "test-model"))
                .toolCalls(List.of(
                        new AssistantMessage.ToolCall("call-1", "function", "weather", "{\"city\":\"Paris\"}"),
                        new AssistantMessage.ToolCall("call-2", "function", "time", "{}")))
                .build();
        ToolResponseMessage results = ToolResponseMessage.builder()
                .responses(List.of(
                        new ToolResponseMessage.ToolResponse("call-1", "weather", "{\"sky\":\"clear\"}"),
                        new ToolResponseMessage.ToolResponse("call-2", "time", "12:00")))
                .build();
        repository.saveAll(id, List.of(new UserMessage("weather and time?"), calls, results));

        List<Message> found = repository.findByConversationId(id);
        AssistantMessage foundCalls = (AssistantMessage) found.get(1);
        assertThat(foundCalls.getToolCalls()).isEqualTo(calls.getToolCalls());
        assertThat(foundCalls.getText()).isEmpty();
        assertThat(foundCalls.getMetadata()).containsEntry("model", "test-model");
        assertThat(((ToolResponseMessage) found.get(2)).getResponses()).isEqualTo(results.getResponses());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aWindowedMemoryWritesEachMessageOnceAndKeepsItsSystemMessage(Mode mode) {
        ColloquyChatMemoryRepository repo = new ColloquyChatMemoryRepository(client, namespace, mode);
        ChatMemory memory = MessageWindowChatMemory.builder()
                .chatMemoryRepository(repo)
                .maxMessages(6)
                .build();
        String id = "window-" + mode;
        memory.add(id, new SystemMessage("system prompt"));
        for (int i = 0; i < 20; i++) {
            memory.add(id, new UserMessage("q" + i));
            memory.add(id, new AssistantMessage("a" + i));
        }
        assertThat(memory.get(id))
                .extracting(ColloquyChatMemoryRepositoryIntegrationTests::text)
                .containsExactly("system prompt", "q18", "a18", "q19", "a19");
        List<io.colloquy.client.Message> stored = dialogueMessages(id);
        long last = stored.get(stored.size() - 1).seq();
        assertThat(last)
                .as("one write per message: no rewrite of the conversation")
                .isEqualTo(41);
        assertThat(new ColloquyChatMemoryRepository(client, namespace, mode).findByConversationId(id))
                .as("what another instance reads from the server alone")
                .extracting(ColloquyChatMemoryRepositoryIntegrationTests::text)
                .containsExactly("system prompt", "q18", "a18", "q19", "a19");
        if (mode == Mode.PRESERVE_HISTORY) {
            assertThat(stored).hasSize(41);
            assertThat(client.namespace(namespace)
                            .findDialogueByKey(ColloquyChatMemoryRepository.key(id))
                            .orElseThrow()
                            .revision())
                    .as("the view (pinned + the latest 5) is written once, not on every evicting turn")
                    .isEqualTo(1);
        } else {
            assertThat(stored)
                    .extracting(io.colloquy.client.Message::content)
                    .containsExactly("system prompt", "q18", "a18", "q19", "a19");
        }
    }

    @Test
    void seesTheAppendsEditsAndDeletesOfAnotherProcessOnItsNextRead() {
        String id = "shared";
        repository.saveAll(id, List.of(new UserMessage("one"), new AssistantMessage("two")));
        assertThat(repository.findByConversationId(id))
                .extracting(ColloquyChatMemoryRepositoryIntegrationTests::text)
                .containsExactly("one", "two");

        ColloquyChatMemoryRepository otherProcess = new ColloquyChatMemoryRepository(client, namespace);
        List<Message> seen = new ArrayList<>(otherProcess.findByConversationId(id));
        seen.add(new UserMessage("three"));
        otherProcess.saveAll(id, seen);
        assertThat(repository.findByConversationId(id))
                .as("an append")
                .extracting(ColloquyChatMemoryRepositoryIntegrationTests::text)
                .containsExactly("one", "two", "three");

        NamespaceClient ns = client.namespace(namespace);
        String dialogue = ns.findDialogueByKey(ColloquyChatMemoryRepository.key(id))
                .orElseThrow()
                .id();
        List<io.colloquy.client.Message> stored = dialogueMessages(id);
        ns.updateMessage(dialogue, stored.get(0).id(), Map.of("content", "one, edited"));
        assertThat(repository.findByConversationId(id))
                .as("an edit")
                .extracting(ColloquyChatMemoryRepositoryIntegrationTests::text)
                .containsExactly("one, edited", "two", "three");

        ns.deleteMessage(dialogue, stored.get(1).id());
        assertThat(repository.findByConversationId(id))
                .as("a delete")
                .extracting(ColloquyChatMemoryRepositoryIntegrationTests::text)
                .containsExactly("one, edited", "three");

        ns.deleteDialogue(dialogue);
        assertThat(repository.findByConversationId(id))
                .as("the dialogue's deletion")
                .isEmpty();
        repository.saveAll(id, List.of(new UserMessage("again")));
        assertThat(repository.findByConversationId(id))
                .extracting(ColloquyChatMemoryRepositoryIntegrationTests::text)
                .containsExactly("again");
    }

    @Test
    void thirtyTwoThreadsAppendingToEightConversationsLoseNothingAndKeepEachThreadsOrder() throws Exception {
        ChatMemory memory = MessageWindowChatMemory.builder()
                .chatMemoryRepository(repository)
                .maxMessages(10_000)
                .build();
        int threads = 32;
        int perThread = 12;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<String>>> acknowledged = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                acknowledged.add(pool.submit(() -> {
                    start.await();
                    List<String> done = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        String text = "t" + thread + "-" + i;
                        memory.add("conv-" + (thread % 8), new UserMessage(text));
                        done.add(text);
                    }
                    return done;
                }));
            }
            start.countDown();
            Map<String, List<String>> byConversation = new HashMap<>();
            for (int t = 0; t < threads; t++) {
                byConversation
                        .computeIfAbsent("conv-" + (t % 8), c -> new ArrayList<>())
                        .addAll(acknowledged.get(t).get());
            }
            for (var entry : byConversation.entrySet()) {
                List<String> stored = history(entry.getKey());
                assertThat(stored).containsExactlyInAnyOrderElementsOf(entry.getValue());
                assertThat(repository.findByConversationId(entry.getKey()))
                        .extracting(ColloquyChatMemoryRepositoryIntegrationTests::text)
                        .isEqualTo(stored);
                for (int t = 0; t < threads; t++) {
                    if (("conv-" + (t % 8)).equals(entry.getKey())) {
                        String prefix = "t" + t + "-";
                        assertThat(stored.stream().filter(s -> s.startsWith(prefix)))
                                .containsExactlyElementsOf(acknowledged.get(t).get());
                    }
                }
            }
        }
    }

    private List<io.colloquy.client.Message> dialogueMessages(String conversationId) {
        NamespaceClient ns = client.namespace(namespace);
        String dialogue = ns.findDialogueByKey(ColloquyChatMemoryRepository.key(conversationId))
                .orElseThrow()
                .id();
        return ns.messages(dialogue).toList();
    }

    private List<String> history(String conversationId) {
        return dialogueMessages(conversationId).stream()
                .map(io.colloquy.client.Message::content)
                .toList();
    }
}
