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

/** {@code GET /v1/namespaces/{ns}/search?q=&types=messages,memories&mode=keyword}. */
@RestController
class SearchController {
    private static final int DEFAULT_LIMIT = 20;
    private static final int MAX_LIMIT = 100;
    private final SearchService search;

    SearchController(SearchService search) {
        this.search = search;
    }

    record Results(List<HitView> data) {}

    @GetMapping("/v1/namespaces/{ns}/search")
    Results search(
            Tenant tenant,
            @RequestParam(required = false) @Nullable String q,
            @RequestParam(required = false) @Nullable String types,
            @RequestParam(required = false) @Nullable String mode,
            @RequestParam(required = false) @Nullable String limit,
            @RequestParam(required = false) @Nullable String tag,
            @RequestParam(required = false) @Nullable String redact,
            @RequestParam java.util.Map<String, String> query) {
        java.util.function.UnaryOperator<String> out = io.colloquy.screening.PiiRedactor.forParameter(redact);
        if (q == null || q.isBlank() || q.length() > 1_000) {
            throw ValidationFailed.of("q", "is required: 1 to 1000 characters with at least one letter or digit");
        }
        if (mode != null && !mode.equals("keyword")) {
            throw ValidationFailed.of("mode", "only keyword is supported (semantic and hybrid come later)");
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
        if (io.colloquy.crypto.BlindIndex.tokens(q).isEmpty()) {
            throw ValidationFailed.of("q", "must contain at least one letter or digit");
        }
        var filters = io.colloquy.web.ListFilters.of(query);
        return new Results(search.search(tenant.projectId(), tenant.namespace(), q, wanted, tag, filters, n).stream()
                .map(h -> HitView.of(h).redacted(out))
                .toList());
    }
}
