package io.colloquy.audit;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * How an event commits to its data without letting anyone who holds the log confirm a guess of it:
 * {@code data_hash = SHA-256(salt || JCS(data))} with a fresh 32-byte random salt per event. The salt is
 * stored sealed together with the data ({@code "salt:" <64 hex> "\n" <data JSON>}) and shown next to the
 * data as {@code data_salt}, so whoever may read the data can check it, and erasing the data destroys the
 * salt with it: what is left, {@code data_hash}, no longer says anything about the content.
 *
 * <p>Events recorded before salting (V23) have no salt: their stored text is the bare JSON and their
 * {@code data_hash} is {@code SHA-256(JCS(data))}; both forms verify.
 */
final class SaltedData {
    static final int SALT_BYTES = 32;
    private static final String PREFIX = "salt:";
    private static final Pattern STORED = Pattern.compile("salt:([0-9a-f]{64})\n", Pattern.DOTALL);
    private static final HexFormat HEX = HexFormat.of();

    private SaltedData() {}

    /** The data as it is stored (then sealed): its salt, then its JSON text. */
    static String stored(byte[] salt, String json) {
        return PREFIX + HEX.formatHex(salt) + "\n" + json;
    }

    /** Stored text split into its salt (null for events from before salting) and its JSON text. */
    record Opened(byte @Nullable [] salt, String json) {}

    static Opened open(String stored) {
        if (!stored.startsWith(PREFIX)) {
            return new Opened(null, stored); // JSON never starts with "salt:"
        }
        Matcher m = STORED.matcher(stored);
        if (!m.lookingAt()) {
            throw new IllegalArgumentException("stored audit data has a malformed salt");
        }
        return new Opened(HEX.parseHex(m.group(1)), stored.substring(m.end()));
    }

    /** {@code SHA-256(salt || JCS(data))}, or {@code SHA-256(JCS(data))} for an unsalted (older) event. */
    static byte[] dataHash(byte @Nullable [] salt, JsonNode data) {
        MessageDigest sha = Merkle.sha256();
        if (salt != null) {
            sha.update(salt);
        }
        Jcs.digest(sha, data, java.util.Set.of());
        return sha.digest();
    }
}
