package io.colloquy.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PageRequestTests {

    @Test
    void defaultsToFiftyAndAcceptsOneToTwoHundred() {
        assertThat(PageRequest.of(null, null).limit()).isEqualTo(50);
        assertThat(PageRequest.of("1", null).limit()).isEqualTo(1);
        assertThat(PageRequest.of("200", null).limit()).isEqualTo(200);
        for (String bad : List.of("0", "201", "-1", "x", "1.5", "99999999999")) {
            assertThatThrownBy(() -> PageRequest.of(bad, null)).as(bad).isInstanceOf(ValidationFailed.class);
        }
    }

    @Test
    void cursorsRoundTripAndForeignCursorsAreRejected() {
        PageRequest page = PageRequest.of("2", null);
        Page<String> first = page.page(List.of("a", "b", "c"), s -> s);
        assertThat(first.data()).containsExactly("a", "b");
        assertThat(PageRequest.of("2", first.nextCursor()).after()).isEqualTo("b");
        assertThat(page.page(List.of("a", "b"), s -> s).nextCursor()).isNull();
        assertThatThrownBy(() -> PageRequest.of(null, "bm9wZQ")).isInstanceOf(ValidationFailed.class);
        assertThatThrownBy(() -> PageRequest.of(null, "***")).isInstanceOf(ValidationFailed.class);
    }
}
