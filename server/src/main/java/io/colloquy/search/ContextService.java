package io.colloquy.search;

import com.knuddels.jtokkit.api.Encoding;
import io.colloquy.dialogues.DialogueService;
import io.colloquy.dialogues.Message;
import io.colloquy.memories.Memory;
import io.colloquy.screening.InjectionFilter;
import io.colloquy.tenant.Namespace;
import io.colloquy.web.ListFilters;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/**
 * What to put in a model's context for a dialogue, within a token budget: the memories most relevant to a query
 * (or to the dialogue's last user message) take up to a quarter of the budget, at most {@link #MAX_MEMORIES};
 * the most recent messages fill the rest, newest first, stopping at the first that does not fit (no gaps), and
 * are returned oldest first. Every item counts its text's tokens in the named model family's encoding plus
 * {@link #OVERHEAD} for its role and separators (OpenAI's chat format).
 */
@Service
public class ContextService {
    static final int MAX_MEMORIES = 10;
    /** Tokens per item for the role and separators around its text. */
    static final int OVERHEAD = 4;
    /** Messages read back from the end of the dialogue at most. */
    static final int MAX_MESSAGES = 1_000;

    private final DialogueService dialogues;
    private final SearchService search;
    private final Embedder embedder;
    private final Tokenizers tokenizers;

    ContextService(DialogueService dialogues, SearchService search, Embedder embedder, Tokenizers tokenizers) {
        this.dialogues = dialogues;
        this.search = search;
        this.embedder = embedder;
        this.tokenizers = tokenizers;
    }

    public record ContextMessage(Message message, int tokens) {}

    public record ContextMemory(Memory memory, double score, int tokens) {}

    public record Context(
            String model,
            String tokenizer,
            int maxTokens,
            int totalTokens,
            @Nullable String query,
            List<ContextMessage> messages,
            List<ContextMemory> memories,
            boolean truncated,
            @Nullable Long pending,
            int screenedOut) {}

    /**
     * @param out what each text becomes in the response ({@code redact=pii}: placeholders); tokens are counted on
     *     that, since it is what reaches the model
     * @param screen which messages may enter ({@code max_injection_score}); the others are left out and counted
     */
    public Context build(
            UUID project,
            Namespace ns,
            String dialogue,
            int maxTokens,
            @Nullable String query,
            String model,
            UnaryOperator<String> out,
            InjectionFilter screen) {
        Encoding encoding = tokenizers.forModel(model);
        List<Message> read = dialogues.lastMessages(project, ns, dialogue, MAX_MESSAGES);
        List<Message> recent = read.stream()
                .filter(m -> screen.admits(m.screening(), m.content()))
                .toList();
        String about = query;
        if (about == null) {
            for (int i = recent.size() - 1; i >= 0 && about == null; i--) {
                if (recent.get(i).role() == Message.Role.USER) {
                    about = recent.get(i).content();
                }
            }
        }
        List<ContextMemory> memories = new ArrayList<>();
        int memoryBudget = maxTokens / 4;
        int used = 0;
        Long pending = null;
        if (about != null && !about.isBlank()) {
            List<SearchService.Hit> relevant;
            if (search.semanticEnabled()) {
                relevant = search.nearest(
                        project, ns, embedder.embed(about), false, true, true, null, ListFilters.none(), MAX_MEMORIES);
                pending = search.pending(project, ns);
            } else {
                relevant = search.search(
                        project,
                        ns,
                        about,
                        List.of(SearchService.Type.MEMORIES),
                        null,
                        ListFilters.none(),
                        MAX_MEMORIES);
            }
            for (SearchService.Hit hit : relevant) {
                int tokens = encoding.countTokensOrdinary(out.apply(text(hit.memory()))) + OVERHEAD;
                if (used + tokens <= memoryBudget) {
                    memories.add(new ContextMemory(hit.memory(), hit.score(), tokens));
                    used += tokens;
                }
            }
        }
        List<ContextMessage> messages = new ArrayList<>();
        boolean truncated = false;
        for (int i = recent.size() - 1; i >= 0; i--) {
            Message m = recent.get(i);
            int tokens = encoding.countTokensOrdinary(out.apply(m.content())) + OVERHEAD;
            if (used + tokens > maxTokens) {
                truncated = true;
                break;
            }
            messages.add(new ContextMessage(m, tokens));
            used += tokens;
        }
        if (!truncated && read.size() == MAX_MESSAGES && read.getFirst().seq() > 1) {
            truncated = true; // older messages than those read back are not in it
        }
        Collections.reverse(messages);
        return new Context(
                model,
                encoding.getName(),
                maxTokens,
                used,
                about,
                messages,
                memories,
                truncated,
                pending,
                read.size() - recent.size());
    }

    /** What of a memory goes into a context: its content, label and description, or else its value. */
    static String text(Memory m) {
        String text = m.searchText();
        return text.isBlank() && m.value() != null ? m.value() : text;
    }
}
