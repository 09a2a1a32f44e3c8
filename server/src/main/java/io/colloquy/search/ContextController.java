package io.colloquy.search;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.colloquy.dialogues.DialogueViews;
import io.colloquy.memories.MemoryView;
import io.colloquy.platform.Ids;
import io.colloquy.screening.InjectionFilter;
import io.colloquy.screening.PiiRedactor;
import io.colloquy.tenant.Tenant;
import io.colloquy.web.FieldProblem;
import io.colloquy.web.ValidationFailed;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /v1/namespaces/{ns}/dialogues/{id}/context?max_tokens=&query=&model=}: see {@link ContextService}. */
@RestController
class ContextController {
    static final int DEFAULT_MAX_TOKENS = 4_096;
    static final int MAX_MAX_TOKENS = 2_000_000;
    static final int MAX_QUERY_CHARS = 1_000;
    private final ContextService context;

    ContextController(ContextService context) {
        this.context = context;
    }

    record ContextMessageView(DialogueViews.MessageView message, int tokens) {}

    record ContextMemoryView(MemoryView memory, double score, int tokens) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ContextView(
            String dialogueId,
            String model,
            String tokenizer,
            int maxTokens,
            int totalTokens,
            @Nullable String query,
            List<ContextMessageView> messages,
            List<ContextMemoryView> memories,
            boolean truncated,
            @Nullable Long pending,
            int screenedOut) {}

    @GetMapping("/v1/namespaces/{ns}/dialogues/{id}/context")
    ContextView context(
            Tenant tenant,
            @PathVariable String id,
            @RequestParam(name = "max_tokens", required = false) @Nullable String maxTokens,
            @RequestParam(required = false) @Nullable String query,
            @RequestParam(required = false) @Nullable String model,
            @RequestParam(required = false) @Nullable String redact,
            @RequestParam(name = InjectionFilter.PARAMETER, required = false) @Nullable String maxInjectionScore) {
        UnaryOperator<String> out = PiiRedactor.forParameter(redact);
        InjectionFilter screen = InjectionFilter.fromParameter(maxInjectionScore);
        List<FieldProblem> problems = new ArrayList<>();
        int budget = DEFAULT_MAX_TOKENS;
        if (maxTokens != null) {
            try {
                budget = Integer.parseInt(maxTokens);
            } catch (NumberFormatException e) {
                budget = 0;
            }
            if (budget < 1 || budget > MAX_MAX_TOKENS) {
                problems.add(new FieldProblem("max_tokens", "must be an integer from 1 to " + MAX_MAX_TOKENS));
            }
        }
        if (query != null && (query.isBlank() || query.length() > MAX_QUERY_CHARS)) {
            problems.add(new FieldProblem("query", "must be 1 to " + MAX_QUERY_CHARS + " characters"));
        }
        if (model != null && (model.isBlank() || model.length() > 100)) {
            problems.add(new FieldProblem("model", "must be a model family or encoding name"));
        }
        if (!problems.isEmpty()) {
            throw new ValidationFailed(problems);
        }
        ContextService.Context c = context.build(
                tenant.projectId(),
                tenant.namespace(),
                id,
                budget,
                query,
                model == null ? Tokenizers.DEFAULT_MODEL : model,
                out,
                screen);
        return new ContextView(
                Ids.format("dlg", Ids.parse("dlg", id).orElseThrow()),
                c.model(),
                c.tokenizer(),
                c.maxTokens(),
                c.totalTokens(),
                c.query(),
                c.messages().stream()
                        .map(m -> new ContextMessageView(
                                DialogueViews.MessageView.of(m.message()).redacted(out), m.tokens()))
                        .toList(),
                c.memories().stream()
                        .map(m ->
                                new ContextMemoryView(MemoryView.of(m.memory()).redacted(out), m.score(), m.tokens()))
                        .toList(),
                c.truncated(),
                c.pending(),
                c.screenedOut());
    }
}
