package io.colloquy.search;

import io.colloquy.crypto.BlindIndex;
import io.colloquy.dialogues.DialogueService;
import io.colloquy.dialogues.Message;
import io.colloquy.memories.Memory;
import io.colloquy.memories.MemoryService;
import io.colloquy.tenant.Namespace;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/**
 * Keyword search: the database finds the newest candidates holding every query token by their keyed
 * hashes; they are decrypted, checked to really hold every token, and ranked with BM25 (k1 = 1.2,
 * b = 0.75) over the candidate set.
 */
@Service
public class SearchService {
    static final int CANDIDATES_PER_TYPE = 250;
    private static final double K1 = 1.2;
    private static final double B = 0.75;
    private final DialogueService dialogues;
    private final MemoryService memories;

    SearchService(DialogueService dialogues, MemoryService memories) {
        this.dialogues = dialogues;
        this.memories = memories;
    }

    public enum Type {
        MESSAGES,
        MEMORIES
    }

    /** One result; {@code message} or {@code memory} is set, matching {@code type}. */
    public record Hit(
            Type type,
            double score,
            @Nullable Message message,
            @Nullable Memory memory) {
        String content() {
            return message != null ? message.content() : memory.searchText();
        }

        Instant createdAt() {
            return message != null ? message.createdAt() : memory.createdAt();
        }
    }

    public List<Hit> search(UUID project, Namespace ns, String query, List<Type> types, int limit) {
        return search(project, ns, query, types, null, io.colloquy.web.ListFilters.none(), limit);
    }

    /**
     * Keyword search narrowed by a dialogue tag (messages of dialogues with it; memories have no tags, so a
     * tag leaves them out), time ranges and metadata pairs (of the message or memory itself).
     */
    public List<Hit> search(
            UUID project,
            Namespace ns,
            String query,
            List<Type> types,
            @Nullable String tag,
            io.colloquy.web.ListFilters filters,
            int limit) {
        List<String> terms = BlindIndex.tokens(query);
        if (terms.isEmpty()) {
            return List.of();
        }
        List<Hit> candidates = new ArrayList<>();
        if (types.contains(Type.MESSAGES)) {
            dialogues
                    .search(project, ns, terms, tag, filters, CANDIDATES_PER_TYPE)
                    .forEach(m -> candidates.add(new Hit(Type.MESSAGES, 0, m, null)));
        }
        if (types.contains(Type.MEMORIES) && tag == null) {
            memories.search(project, ns, terms, filters, CANDIDATES_PER_TYPE)
                    .forEach(m -> candidates.add(new Hit(Type.MEMORIES, 0, null, m)));
        }
        return rank(candidates, terms).stream().limit(limit).toList();
    }

    static List<Hit> rank(List<Hit> candidates, List<String> terms) {
        List<Map<String, Integer>> frequencies = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>();
        List<Hit> matching = new ArrayList<>();
        for (Hit hit : candidates) {
            List<String> tokens = BlindIndex.allTokens(hit.content());
            Map<String, Integer> tf = new HashMap<>();
            tokens.forEach(t -> tf.merge(t, 1, Integer::sum));
            if (terms.stream().allMatch(tf::containsKey)) {
                matching.add(hit);
                frequencies.add(tf);
                lengths.add(tokens.size());
            }
        }
        int n = matching.size();
        double avg = lengths.stream().mapToInt(Integer::intValue).average().orElse(1);
        Map<String, Long> df = new HashMap<>();
        for (String term : terms) {
            df.put(term, frequencies.stream().filter(f -> f.containsKey(term)).count());
        }
        List<Hit> ranked = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double score = 0;
            for (String term : terms) {
                double idf = Math.log(1 + (n - df.get(term) + 0.5) / (df.get(term) + 0.5));
                int tf = frequencies.get(i).getOrDefault(term, 0);
                score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths.get(i) / avg));
            }
            Hit h = matching.get(i);
            ranked.add(new Hit(h.type(), Math.round(score * 1e6) / 1e6, h.message(), h.memory()));
        }
        ranked.sort(Comparator.comparingDouble(Hit::score)
                .reversed()
                .thenComparing(Hit::createdAt, Comparator.reverseOrder()));
        return ranked;
    }
}
