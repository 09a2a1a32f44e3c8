package io.colloquy.accounts;

import io.colloquy.platform.Ids;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * The bearer secrets of accounts: a session cookie and a set-up link token are both {@code <32 hex id>.<secret>}
 * (256 bits from SecureRandom); only SHA-256 of the secret is stored, compared in constant time.
 */
final class Secrets {
    private static final SecureRandom RANDOM = new SecureRandom();

    record Token(UUID id, String secret) {
        String text() {
            return Ids.hex(id) + "." + secret;
        }

        byte[] digest() {
            return Secrets.digest(secret);
        }

        boolean matches(byte[] stored) {
            return MessageDigest.isEqual(digest(), stored);
        }
    }

    private Secrets() {}

    static Token fresh() {
        return new Token(Ids.newId(), random());
    }

    static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static Optional<Token> parse(String text) {
        int dot = text.indexOf('.');
        if (dot != 32
                || text.length() != 32 + 1 + 43
                || !text.substring(dot + 1).matches("[A-Za-z0-9_-]{43}")) {
            return Optional.empty();
        }
        return Ids.fromHex(text.substring(0, dot)).map(id -> new Token(id, text.substring(dot + 1)));
    }

    static boolean sameText(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] digest(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
