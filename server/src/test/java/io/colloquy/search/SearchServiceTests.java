package io.colloquy.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.dialogues.Message;
import io.colloquy.web.Metadata;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SearchServiceTests {

    private static SearchService.Hit message(String content, long seconds) {
        return new SearchService.Hit(
                SearchService.Type.MESSAGES,
                0,
                new Message(
                        UUID.randomUUID(),
                        "ns",
                        UUID.randomUUID(),
                        UUID.randomUUID(),
                        1,
                        Message.Role.USER,
                        content,
                        Metadata.empty(),
                        Instant.ofEpochSecond(seconds),
                        null),
                null);
    }

    @Test
    void ranksMoreFrequentAndShorterMatchesFirstAndDropsFalsePositives() {
        List<SearchService.Hit> ranked = SearchService.rank(
                List.of(
                        message("tea with a very long tail of other words around it", 1),
                        message("tea tea", 2),
                        message("coffee only", 3)),
                List.of("tea"));
        assertThat(ranked).hasSize(2);
        assertThat(ranked.get(0).message().content()).isEqualTo("tea tea");
        assertThat(ranked.get(0).score()).isGreaterThan(ranked.get(1).score());
    }

    @Test
    void equalScoresPutTheNewestFirst() {
        List<SearchService.Hit> ranked =
                SearchService.rank(List.of(message("tea", 1), message("tea", 5)), List.of("tea"));
        assertThat(ranked.get(0).message().createdAt()).isEqualTo(Instant.ofEpochSecond(5));
    }
}
