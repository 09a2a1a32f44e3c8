package io.colloquy.search;

import io.colloquy.tenant.Namespace;
import io.colloquy.web.ListFilters;
import io.colloquy.web.ValidationFailed;
import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.springframework.stereotype.Service;

/**
 * Checks an answer against the namespace's long-term memories (its knowledge base): the answer is split into
 * claims (its sentences, and its lines: list items are claims of their own); each claim is embedded and
 * compared with every long-term memory by cosine similarity; it is supported when its best similarity is at
 * least {@code support-at}, and names the memories that reach it (best first, at most {@link #MAX_SUPPORT}).
 * The answer's score is the share of its claims that are supported; {@code grounded} at or above
 * {@code grounded-at}, {@code flagged} at or above {@code flagged-at}, {@code blocked} below. Deterministic: the
 * same answer against the same memories gives the same result.
 */
@Service
public class Grounding {
    static final int MAX_CLAIMS = 100;
    static final int MAX_SUPPORT = 3;
    /** Claims shorter than this many letters and digits (e.g. "Yes.", "1.") are not checked. */
    static final int MIN_CLAIM_CHARS = 8;

    private final SearchService search;
    private final Embedder embedder;
    private final EmbeddingSettings settings;

    Grounding(SearchService search, Embedder embedder, EmbeddingSettings settings) {
        this.search = search;
        this.embedder = embedder;
        this.settings = settings;
    }

    public record Claim(String text, double score, boolean supported, List<String> supportingMemoryIds) {}

    public record Result(double score, String verdict, List<Claim> claims, long pending) {}

    public Result check(UUID project, Namespace ns, String answer) {
        if (!search.semanticEnabled()) {
            throw ValidationFailed.of("answer", "grounding needs embeddings, which are turned off on this server");
        }
        List<String> claims = claims(answer);
        if (claims.isEmpty()) {
            throw ValidationFailed.of(
                    "answer", "holds no claim to check (a sentence of " + MIN_CLAIM_CHARS + "+ letters)");
        }
        if (claims.size() > MAX_CLAIMS) {
            throw ValidationFailed.of("answer", "holds more than " + MAX_CLAIMS + " claims");
        }
        List<float[]> vectors = embedder.embedAll(claims);
        List<Claim> checked = new ArrayList<>();
        int supported = 0;
        for (int i = 0; i < claims.size(); i++) {
            List<SearchService.Hit> nearest = search.nearest(
                    project, ns, vectors.get(i), false, false, true, null, ListFilters.none(), MAX_SUPPORT);
            double best = nearest.isEmpty() ? 0 : Math.max(0, nearest.getFirst().score());
            List<String> support = nearest.stream()
                    .filter(h -> h.score() >= settings.supportAt())
                    .map(h -> h.memory().publicId())
                    .toList();
            boolean ok = !support.isEmpty();
            supported += ok ? 1 : 0;
            checked.add(new Claim(claims.get(i), best, ok, support));
        }
        double score = Math.round((double) supported / claims.size() * 1e6) / 1e6;
        return new Result(score, verdict(score), checked, search.pending(project, ns));
    }

    String verdict(double score) {
        return score >= settings.groundedAt() ? "grounded" : score >= settings.flaggedAt() ? "flagged" : "blocked";
    }

    /** The answer's sentences, line by line, without list markers; fragments under MIN_CLAIM_CHARS are dropped. */
    static List<String> claims(String answer) {
        List<String> claims = new ArrayList<>();
        for (String line : answer.split("\\R")) {
            String text = line.strip().replaceFirst("^([-*•]|\\d{1,3}[.)])\\s+", "");
            BreakIterator sentences = BreakIterator.getSentenceInstance(Locale.ROOT);
            sentences.setText(text);
            int start = sentences.first();
            for (int end = sentences.next(); end != BreakIterator.DONE; start = end, end = sentences.next()) {
                String sentence = text.substring(start, end).strip();
                if (sentence.codePoints().filter(Character::isLetterOrDigit).count() >= MIN_CLAIM_CHARS) {
                    claims.add(sentence);
                }
            }
        }
        return claims;
    }
}
