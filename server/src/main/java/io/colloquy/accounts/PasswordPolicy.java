package io.colloquy.accounts;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a new password must be: 12 to 256 characters, not digits only, not one of the common passwords shipped with
 * the server ({@code accounts/common-passwords.txt}, compared without case, spaces or trailing digits and symbols),
 * and not made of the email address. Offline only: no breached-password service is asked.
 */
final class PasswordPolicy {
    static final int MIN_LENGTH = 12;
    static final int MAX_LENGTH = 256;
    private final Set<String> common;

    PasswordPolicy(Set<String> common) {
        this.common = Set.copyOf(common);
    }

    static PasswordPolicy shipped() {
        Set<String> words = new HashSet<>();
        try (InputStream in = Objects.requireNonNull(
                        PasswordPolicy.class.getResourceAsStream("/accounts/common-passwords.txt"),
                        "accounts/common-passwords.txt");
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String word = normal(line);
                if (!word.isEmpty() && !line.startsWith("#")) {
                    words.add(word);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new PasswordPolicy(words);
    }

    /** Why {@code password} may not be used by the owner of {@code email}; empty when it may. */
    Optional<String> problem(String password, String email) {
        int length = password.codePointCount(0, password.length());
        if (length < MIN_LENGTH) {
            return Optional.of("must be at least " + MIN_LENGTH + " characters");
        }
        if (length > MAX_LENGTH) {
            return Optional.of("must be at most " + MAX_LENGTH + " characters");
        }
        if (password.chars().allMatch(c -> Character.isDigit(c) || Character.isWhitespace(c))) {
            return Optional.of("must not be digits only");
        }
        String normal = normal(password);
        if (common.contains(normal) || common.contains(normal.replaceAll("[^a-z]+$", ""))) {
            return Optional.of("is too common: it is in the list of common passwords");
        }
        if (similar(normal, email)) {
            return Optional.of("is too similar to the email address");
        }
        return Optional.empty();
    }

    private static boolean similar(String normal, String email) {
        String lower = email.toLowerCase(Locale.ROOT);
        int at = lower.indexOf('@');
        String local = (at < 0 ? lower : lower.substring(0, at)).replaceAll("[^\\p{L}\\p{N}]", "");
        String letters = normal.replaceAll("[^\\p{L}\\p{N}]", "");
        if (letters.contains(lower.replaceAll("[^\\p{L}\\p{N}]", ""))) {
            return true;
        }
        if (local.length() >= 4 && letters.contains(local)) {
            return true;
        }
        // the address itself with a few characters changed or added
        String stripped = letters.replaceAll("\\p{N}+$", "");
        return stripped.length() >= 4 && local.contains(stripped);
    }

    private static String normal(String text) {
        return text.strip().toLowerCase(Locale.ROOT).replace(" ", "");
    }
}
