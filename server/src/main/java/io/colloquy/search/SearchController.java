package io.colloquy.search;

import io.colloquy.tenant.Tenant;
import io.colloquy.web.ValidationFailed;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /v1/namespaces/{ns}/search?q=&types=messages,memories&mode=keyword|semantic|hybrid&min_score=}. */
@RestController
class SearchController {
    private static final int DEFAULT_LIMIT = 20;
    private static final int MAX_LIMIT = 100;
    private final SearchService search;

    SearchController(SearchService search) {
        this.search = search;
    }

    /** {@code pending}: semantic and hybrid only; changes of the namespace not embedded yet (0 = complete). */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record Results(List<HitView> data, @Nullable Long pending) {}

    @GetMapping("/v1/namespaces/{ns}/search")
    Results search(
            Tenant tenant,
            @RequestParam(required = false) @Nullable String q,
            @RequestParam(required = false) @Nullable String types,
            @RequestParam(required = false) @Nullable String mode,
            @RequestParam(required = false) @Nullable String limit,
            @RequestParam(required = false) @Nullable String tag,
            @RequestParam(required = false) @Nullable String redact,
            @RequestParam(name = "min_score", required = false) @Nullable String minScore,
            @RequestParam java.util.Map<String, String> query) {
        java.util.function.UnaryOperator<String> out = io.colloquy.screening.PiiRedactor.forParameter(redact);
        if (q == null || q.isBlank() || q.length() > 1_000) {
            throw ValidationFailed.of("q", "is required: 1 to 1000 characters with at least one letter or digit");
        }
        SearchService.Mode how;
        switch (mode == null ? "keyword" : mode) {
            case "keyword" -> how = SearchService.Mode.KEYWORD;
            case "semantic" -> how = SearchService.Mode.SEMANTIC;
            case "hybrid" -> how = SearchService.Mode.HYBRID;
            default -> throw ValidationFailed.of("mode", "must be keyword, semantic or hybrid");
        }
        if (how != SearchService.Mode.KEYWORD && !search.semanticEnabled()) {
            throw ValidationFailed.of("mode", "semantic and hybrid search are turned off on this server");
        }
        Double threshold = null;
        if (minScore != null) {
            try {
                threshold = Double.parseDouble(minScore);
            } catch (NumberFormatException e) {
                threshold = Double.NaN;
            }
            if (!Double.isFinite(threshold)) {
                throw ValidationFailed.of("min_score", "must be a number");
            }
        }
        List<SearchService.Type> wanted = new ArrayList<>();
        for (String t : (types == null || types.isBlank() ? "messages,memories" : types).split(",")) {
            try {
                SearchService.Type type = SearchService.Type.valueOf(t.strip().toUpperCase(Locale.ROOT));
                if (!wanted.contains(type)) {
                    wanted.add(type);
                }
            } catch (IllegalArgumentException e) {
                throw ValidationFailed.of("types", "must list messages and/or memories");
            }
        }
        int n = DEFAULT_LIMIT;
        if (limit != null) {
            try {
                n = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                n = 0;
            }
            if (n < 1 || n > MAX_LIMIT) {
                throw ValidationFailed.of("limit", "must be an integer from 1 to " + MAX_LIMIT);
            }
        }
        if (how == SearchService.Mode.KEYWORD
                && io.colloquy.crypto.BlindIndex.tokens(q).isEmpty()) {
            throw ValidationFailed.of("q", "must contain at least one letter or digit");
        }
        var filters = io.colloquy.web.ListFilters.of(query);
        SearchService.Results results =
                search.search(tenant.projectId(), tenant.namespace(), q, wanted, tag, filters, n, how, threshold);
        return new Results(
                results.hits().stream().map(h -> HitView.of(h).redacted(out)).toList(), results.pending());
    }
}
