package io.colloquy.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Associated data: the fields a sealed value or a wrapped key is bound to (a label first, then e.g.
 * project, namespace, table, row, column, key version). {@link #encoded()} writes each field as its
 * UTF-8 length (int32, big endian) followed by its bytes, so two different field lists never encode
 * alike, whatever characters the fields hold. Values sealed before this encoding bound the fields
 * joined with {@code |} ({@link #joined()}), which is ambiguous as soon as a field may hold a {@code |};
 * the format byte of a sealed value says which one it used, and those values are opened with it until
 * rotation and re-encryption have sealed them again.
 */
public record Aad(List<String> fields) {
    public Aad {
        fields = List.copyOf(fields);
    }

    /** The fields, each as {@link String#valueOf(Object)}. */
    public static Aad of(Object... fields) {
        return new Aad(Arrays.stream(fields).map(String::valueOf).toList());
    }

    /** The unambiguous encoding: for each field, its UTF-8 byte length (int32, big endian) and its bytes. */
    public byte[] encoded() {
        byte[][] utf8 = new byte[fields.size()][];
        int size = 0;
        for (int i = 0; i < utf8.length; i++) {
            utf8[i] = fields.get(i).getBytes(StandardCharsets.UTF_8);
            size += 4 + utf8[i].length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        for (byte[] field : utf8) {
            out.putInt(field.length).put(field);
        }
        return out.array();
    }

    /** The encoding of values sealed in the earlier formats: the fields joined with {@code |}; only for opening them. */
    byte[] joined() {
        return String.join("|", fields).getBytes(StandardCharsets.UTF_8);
    }
}
