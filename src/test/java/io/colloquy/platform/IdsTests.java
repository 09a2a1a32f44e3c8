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
}
