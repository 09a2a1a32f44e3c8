package io.colloquy.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class IdsTests {

    @Test
    void newIdsAreVersion7UniqueAndTimeOrderedByMillisecond() {
        Set<UUID> seen = new HashSet<>();
        long before = System.currentTimeMillis();
        for (int i = 0; i < 10_000; i++) {
            UUID id = Ids.newId();
            assertThat(id.version()).isEqualTo(7);
            assertThat(id.variant()).isEqualTo(2);
            assertThat(seen.add(id)).isTrue();
        }
        UUID id = Ids.newId();
        assertThat(id.getMostSignificantBits() >>> 16).isBetween(before, System.currentTimeMillis());
    }

    @Test
    void formatsAndParsesPrefixedIdsStrictly() {
        UUID id = Ids.newId();
        String text = Ids.format("dlg", id);
        assertThat(text).matches("dlg_[0-9a-f]{32}");
        assertThat(Ids.parse("dlg", text)).contains(id);
        assertThat(Ids.parse("msg", text)).isEmpty();
        assertThat(Ids.parse("dlg", text.toUpperCase())).isEmpty();
        assertThat(Ids.parse("dlg", text + "0")).isEmpty();
        assertThat(Ids.parse("dlg", "dlg_")).isEmpty();
    }

    @Test
    void formatsEveryNibbleOfBothHalvesAsLowercaseHexInOrder() {
        UUID id = UUID.fromString("0123abcd-ef45-6789-a0b1-c2d3e4f5a6b7");
        assertThat(Ids.hex(id)).isEqualTo("0123abcdef456789a0b1c2d3e4f5a6b7");
        assertThat(Ids.format("msg", id)).isEqualTo("msg_0123abcdef456789a0b1c2d3e4f5a6b7");
        UUID edges = new UUID(-1L, 0L);
        assertThat(Ids.hex(edges)).isEqualTo("ffffffffffffffff0000000000000000");
    }
}
