package io.colloquy.crypto;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.springframework.stereotype.Component;

/**
 * Turns content (titles, metadata, tags, message and memory content) into the bytes a content column
 * stores, and back. Every stored value starts with a format byte so formats can change row by row:
 * {@code 0x00} = UTF-8 text as is. Envelope encryption (AES-256-GCM under per-namespace data keys,
 * bound to {@link FieldRef}) is the next format; readers accept every format they know.
 */
@Component
public final class StoredValues {
    static final byte PLAIN = 0x00;

    public byte[] seal(FieldRef ref, String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[utf8.length + 1];
        out[0] = PLAIN;
        System.arraycopy(utf8, 0, out, 1, utf8.length);
        return out;
    }

    public String open(FieldRef ref, byte[] stored) {
        if (stored.length == 0 || stored[0] != PLAIN) {
            throw new StoredValueUnreadable(ref);
        }
        return new String(Arrays.copyOfRange(stored, 1, stored.length), StandardCharsets.UTF_8);
    }

    /** A stored value is in no format this server reads: an integrity error, answered as 500. */
    public static final class StoredValueUnreadable extends RuntimeException {
        StoredValueUnreadable(FieldRef ref) {
            super("Stored value in " + ref.table() + "." + ref.column() + " is unreadable");
        }
    }
}
