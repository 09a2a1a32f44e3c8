package io.colloquy.platform;

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
        return prefix + "_" + hex(id);
    }

    public static String hex(UUID id) {
        HexFormat hex = HexFormat.of();
        return hex.toHexDigits(id.getMostSignificantBits()) + hex.toHexDigits(id.getLeastSignificantBits());
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
