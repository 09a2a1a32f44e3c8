package io.colloquy.platform;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Entity ids: UUIDv7 (48-bit millisecond time, 74 random bits from SecureRandom), so indexes stay
 * append-friendly and ids are unguessable. In the API an id is its prefix and 32 lowercase hex digits.
 */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern HEX32 = Pattern.compile("[0-9a-f]{32}");
    private static final byte[] DIGITS = "0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);

    private Ids() {}

    public static UUID newId() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        long millis = System.currentTimeMillis();
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) (millis >>> (40 - 8 * i));
        }
        b[6] = (byte) ((b[6] & 0x0f) | 0x70);
        b[8] = (byte) ((b[8] & 0x3f) | 0x80);
        long msb = 0;
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            msb = (msb << 8) | (b[i] & 0xff);
            lsb = (lsb << 8) | (b[i + 8] & 0xff);
        }
        return new UUID(msb, lsb);
    }

    public static String format(String prefix, UUID id) {
        byte[] out = new byte[prefix.length() + 33];
        for (int i = 0; i < prefix.length(); i++) {
            out[i] = (byte) prefix.charAt(i);
        }
        out[prefix.length()] = '_';
        hex(id, out, prefix.length() + 1);
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    public static String hex(UUID id) {
        byte[] out = new byte[32];
        hex(id, out, 0);
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    /** 32 lowercase hex digits into {@code out} at {@code at}: one string built per id (ids are on every row). */
    private static void hex(UUID id, byte[] out, int at) {
        long msb = id.getMostSignificantBits();
        long lsb = id.getLeastSignificantBits();
        for (int i = 15; i >= 0; i--) {
            out[at + i] = DIGITS[(int) (msb & 0xf)];
            out[at + 16 + i] = DIGITS[(int) (lsb & 0xf)];
            msb >>>= 4;
            lsb >>>= 4;
        }
    }

    /** The id behind {@code prefix_<32 hex>}, or empty when the text is not such an id. */
    public static Optional<UUID> parse(String prefix, String text) {
        if (!text.startsWith(prefix + "_")) {
            return Optional.empty();
        }
        return fromHex(text.substring(prefix.length() + 1));
    }

    public static Optional<UUID> fromHex(String hex) {
        if (!HEX32.matcher(hex).matches()) {
            return Optional.empty();
        }
        return Optional.of(
                new UUID(HexFormat.fromHexDigitsToLong(hex, 0, 16), HexFormat.fromHexDigitsToLong(hex, 16, 32)));
    }
}
