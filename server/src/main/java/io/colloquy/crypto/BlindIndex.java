package io.colloquy.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;
import org.springframework.stereotype.Component;

/**
 * Keyword search over encrypted content. Text is normalised (NFKC, lower case with Locale.ROOT) and
 * split on everything that is not a letter or digit; each token becomes HMAC-SHA256 under the
 * namespace's search key, truncated to 64 bits. The database sees only these numbers: it learns which
 * rows of one namespace share a token, never the token; no prefix or fuzzy matching.
 */
@Component
public final class BlindIndex {
    private static final Pattern SEPARATORS = Pattern.compile("[^\\p{L}\\p{N}]+");
    public static final int MAX_TOKENS_PER_VALUE = 4096;
    private final Keyring keyring;

    BlindIndex(Keyring keyring) {
        this.keyring = keyring;
    }

    /** The distinct normalised tokens of a text, in order of first appearance. */
    public static List<String> tokens(String text) {
        String normal = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        Set<String> out = new LinkedHashSet<>();
        for (String t : SEPARATORS.split(normal)) {
            if (!t.isEmpty()) {
                out.add(t);
            }
            if (out.size() >= MAX_TOKENS_PER_VALUE) {
                break;
            }
        }
        return new ArrayList<>(out);
    }

    /** Every token of a text, repeated as often as it appears (for ranking). */
    public static List<String> allTokens(String text) {
        String normal = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        List<String> out = new ArrayList<>();
        for (String t : SEPARATORS.split(normal)) {
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    /** The keyed hashes of a text's tokens, for the {@code search_tokens} column. */
    public long[] index(UUID project, String namespace, String text) {
        SecretKey key = keyring.searchKey(project, namespace);
        return tokens(text).stream().mapToLong(t -> hash(key, t)).distinct().toArray();
    }

    /** The keyed hash of one exact term to store (a tag): creates the namespace's search key on first use. */
    public long term(UUID project, String namespace, String term) {
        return hash(keyring.searchKey(project, namespace), term);
    }

    /**
     * The keyed hashes of terms to look for (tags, query tokens already normalised); empty when the
     * namespace has no search key: nothing there can match, and a read never creates a key.
     */
    public java.util.Optional<long[]> queryTerms(UUID project, String namespace, List<String> terms) {
        return keyring.existingSearchKey(project, namespace)
                .map(key -> terms.stream().mapToLong(t -> hash(key, t)).toArray());
    }

    /**
     * The full keyed hash (HMAC-SHA256, 32 bytes, under the namespace's search key) of an identifier that
     * must be unique and found exactly (a dialogue's client-chosen key): creates the search key on first use.
     * Not truncated, so two identifiers never share a digest in practice.
     */
    public byte[] identifier(UUID project, String namespace, String kind, String value) {
        return ServerKeys.hmac(keyring.searchKey(project, namespace), identifierBytes(kind, value));
    }

    /** {@link #identifier} for a look-up: empty when the namespace has no search key (nothing can match). */
    public java.util.Optional<byte[]> existingIdentifier(UUID project, String namespace, String kind, String value) {
        return keyring.existingSearchKey(project, namespace)
                .map(key -> ServerKeys.hmac(key, identifierBytes(kind, value)));
    }

    /** Domain-separated from tokens and tags: {@code id:<kind>:<value>}. */
    private static byte[] identifierBytes(String kind, String value) {
        return ("id:" + kind + ":" + value).getBytes(StandardCharsets.UTF_8);
    }

    private static long hash(SecretKey key, String token) {
        byte[] mac = ServerKeys.hmac(key, token.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(mac, 0, 8).getLong();
    }
}
