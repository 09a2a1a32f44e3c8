package io.colloquy.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** The associated data encoding: length-prefixed, so no two field lists collide (unlike fields joined with '|'). */
class AadTests {
    @Test
    void fieldListsThatCollideWhenJoinedWithABarEncodeApart() {
        Aad one = Aad.of("colloquy/field/v2", "project", "a|b", "messages");
        Aad two = Aad.of("colloquy/field/v2", "project", "a", "b|messages");

        assertThat(one.joined()).as("the old encoding is ambiguous").isEqualTo(two.joined());
        assertThat(one.encoded()).isNotEqualTo(two.encoded());
    }

    @Test
    void eachFieldIsItsUtf8LengthAsABigEndianInt32ThenItsBytes() {
        assertThat(Aad.of("ab", "", "é").encoded())
                .containsExactly(0, 0, 0, 2, 'a', 'b', 0, 0, 0, 0, 0, 0, 0, 2, 0xc3 - 256, 0xa9 - 256);
    }

    /** Decoding gives back exactly the fields, so two lists with the same encoding are the same list. */
    @Property(tries = 500)
    void theEncodingDecodesToTheSameFields(
            @ForAll @Size(max = 8) List<@StringLength(max = 12) @Chars({'a', 'b', '|', 'é', '0'}) String> fields) {
        assertThat(decode(Aad.of(fields.toArray()).encoded())).isEqualTo(fields);
    }

    @Property(tries = 500)
    void differentFieldListsNeverEncodeAlike(
            @ForAll @Size(max = 5) List<@StringLength(max = 4) @Chars({'a', '|', 'é'}) String> a,
            @ForAll @Size(max = 5) List<@StringLength(max = 4) @Chars({'a', '|', 'é'}) String> b) {
        if (!a.equals(b)) {
            assertThat(Aad.of(a.toArray()).encoded())
                    .isNotEqualTo(Aad.of(b.toArray()).encoded());
        }
    }

    /** An independent reader of the format. */
    private static List<String> decode(byte[] encoded) {
        ByteBuffer in = ByteBuffer.wrap(encoded);
        List<String> out = new ArrayList<>();
        while (in.hasRemaining()) {
            byte[] field = new byte[in.getInt()];
            in.get(field);
            out.add(new String(field, StandardCharsets.UTF_8));
        }
        return out;
    }
}
