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
    /** Reciprocal-rank fusion's constant (Cormack et al.): a rank r counts 1 / (RRF_K + r). */
    static final int RRF_K = 60;

    private final DialogueService dialogues;
    private final MemoryService memories;
    private final Vectors vectors;
    private final Embedder embedder;
    private final io.colloquy.audit.AuditFeed feed;
    private final EmbeddingSettings settings;

    SearchService(
            DialogueService dialogues,
            MemoryService memories,
            Vectors vectors,
            Embedder embedder,
            io.colloquy.audit.AuditFeed feed,
            EmbeddingSettings settings) {
        this.dialogues = dialogues;
        this.memories = memories;
        this.vectors = vectors;
        this.embedder = embedder;
        this.feed = feed;
        this.settings = settings;
    }

    public enum Type {
        MESSAGES,
        MEMORIES
    }

    /** How results are ranked. */
    public enum Mode {
        KEYWORD,
        SEMANTIC,
        HYBRID
    }

    /**
     * Ranked hits, and for semantic and hybrid ranking how many changes of the namespace's messages and memories
     * the embedding worker has not applied yet (0: every item is in; null for keyword search).
     */
    public record Results(List<Hit> hits, @Nullable Long pending) {}

    /** Whether semantic ranking (and with it hybrid search, grounding) is on. */
    public boolean semanticEnabled() {
        return settings.on();
    }

    /** Search in any mode; {@code minScore} drops hits scoring below it (null: none). */
    public Results search(
            UUID project,
            Namespace ns,
            String query,
            List<Type> types,
            @Nullable String tag,
            io.colloquy.web.ListFilters filters,
            int limit,
            Mode mode,
            @Nullable Double minScore) {
        List<Hit> hits;
        Long pending = null;
        switch (mode) {
            case KEYWORD -> hits = search(project, ns, query, types, tag, filters, Integer.MAX_VALUE);
            case SEMANTIC -> {
                hits = semantic(project, ns, query, types, tag, filters, candidates(limit));
                pending = pending(project, ns);
            }
            case HYBRID -> {
                hits = hybrid(project, ns, query, types, tag, filters, limit);
                pending = pending(project, ns);
            }
            default -> throw new IllegalStateException();
        }
        return new Results(
                hits.stream()
                        .filter(h -> minScore == null || h.score() >= minScore)
                        .limit(limit)
                        .toList(),
                pending);
    }

    /** How many semantic candidates are scored in full for {@code limit} results. */
    static int candidates(int limit) {
        return Math.min(1_000, Math.max(100, limit * 5));
    }

    /** Changes of the namespace's messages and memories the worker has still to apply. */
    public long pending(UUID project, Namespace ns) {
        return feed.countAfter(project, vectors.cursor(project), ns.name(), EmbeddingWorker.ENTITY_TYPES);
    }

    /**
     * The {@code k} items nearest the query by cosine similarity that pass the filters, best first; score = the
     * cosine, rounded to 6 places.
     */
    List<Hit> semantic(
            UUID project,
            Namespace ns,
            String query,
            List<Type> types,
            @Nullable String tag,
            io.colloquy.web.ListFilters filters,
            int k) {
        boolean withMemories = types.contains(Type.MEMORIES) && tag == null;
        return nearest(
                project,
                ns,
                embedder.embed(query),
                types.contains(Type.MESSAGES),
                withMemories,
                withMemories,
                tag,
                filters,
                k);
    }

    /** The live items nearest {@code vector} among the wanted kinds, filtered, best first. */
    List<Hit> nearest(
            UUID project,
            Namespace ns,
            float[] vector,
            boolean messages,
            boolean shortTerm,
            boolean longTerm,
            @Nullable String tag,
            io.colloquy.web.ListFilters filters,
            int k) {
        List<NamespaceVectors.Scored> top = vectors.index(project, ns).top(vector, k, messages, shortTerm, longTerm);
        List<UUID> messageIds = top.stream()
                .filter(s -> s.kind() == NamespaceVectors.Kind.MESSAGE)
                .map(NamespaceVectors.Scored::id)
                .toList();
        List<UUID> memoryIds = top.stream()
                .filter(s -> s.kind() != NamespaceVectors.Kind.MESSAGE)
                .map(NamespaceVectors.Scored::id)
                .toList();
        Map<UUID, Message> foundMessages = new HashMap<>();
        dialogues.messagesByIds(project, ns, messageIds, tag, filters).forEach(m -> foundMessages.put(m.id(), m));
        Map<UUID, Memory> foundMemories = new HashMap<>();
        memories.byIds(project, ns, memoryIds, filters).forEach(m -> foundMemories.put(m.id(), m));
        List<Hit> hits = new ArrayList<>();
        for (NamespaceVectors.Scored s : top) {
            double score = Math.round(s.score() * 1e6) / 1e6;
            Message m = foundMessages.get(s.id());
            Memory mem = foundMemories.get(s.id());
            if (m != null) {
                hits.add(new Hit(Type.MESSAGES, score, m, null));
            } else if (mem != null) {
                hits.add(new Hit(Type.MEMORIES, score, null, mem));
            }
        }
        return hits;
    }

    /**
     * Reciprocal-rank fusion of the keyword and the semantic ranking: an item ranked r_k by keyword and r_s by
     * meaning scores w / (60 + r_s) + (1 - w) / (60 + r_k) (a ranking that misses it adds nothing), w the
     * configured semantic weight; shown divided by 1/61, the score of an item first in both, so 1 is the top.
     */
    List<Hit> hybrid(
            UUID project,
            Namespace ns,
            String query,
            List<Type> types,
            @Nullable String tag,
            io.colloquy.web.ListFilters filters,
            int limit) {
        double w = settings.hybridSemanticWeight();
        List<Hit> keyword = search(project, ns, query, types, tag, filters, Integer.MAX_VALUE);
        List<Hit> semantic = semantic(project, ns, query, types, tag, filters, candidates(limit));
        Map<UUID, Double> fused = new HashMap<>();
        Map<UUID, Hit> byId = new HashMap<>();
        for (int r = 0; r < keyword.size(); r++) {
            Hit h = keyword.get(r);
            fused.merge(h.id(), (1 - w) / (RRF_K + r + 1), Double::sum);
            byId.putIfAbsent(h.id(), h);
        }
        for (int r = 0; r < semantic.size(); r++) {
            Hit h = semantic.get(r);
            fused.merge(h.id(), w / (RRF_K + r + 1), Double::sum);
            byId.putIfAbsent(h.id(), h);
        }
        List<Hit> ranked = new ArrayList<>();
        fused.forEach((id, score) -> {
            Hit h = byId.get(id);
            ranked.add(new Hit(h.type(), Math.round(score * (RRF_K + 1) * 1e6) / 1e6, h.message(), h.memory()));
        });
        ranked.sort(Comparator.comparingDouble(Hit::score)
                .reversed()
                .thenComparing(Hit::createdAt, Comparator.reverseOrder())
                .thenComparing(Hit::id));
        return ranked;
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

        UUID id() {
            return message != null ? message.id() : memory.id();
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
