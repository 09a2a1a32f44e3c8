package io.colloquy.search;

import io.colloquy.tenant.Tenant;
import io.colloquy.web.ValidationFailed;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /v1/namespaces/{ns}/grounding} with {@code {"answer": "..."}}: see {@link Grounding}. */
@RestController
class GroundingController {
    static final int MAX_ANSWER_CHARS = 20_000;
    private final Grounding grounding;
    private final EmbeddingSettings settings;

    GroundingController(Grounding grounding, EmbeddingSettings settings) {
        this.grounding = grounding;
        this.settings = settings;
    }

    record GroundingRequest(@Nullable String answer) {}

    record Thresholds(double grounded, double flagged, double support) {}

    record ClaimView(String text, double score, boolean supported, List<String> supportingMemoryIds) {}

    record GroundingView(double score, String verdict, List<ClaimView> claims, Thresholds thresholds, long pending) {}

    @PostMapping(
            value = "/v1/namespaces/{ns}/grounding",
            consumes = org.springframework.http.MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.OK)
    GroundingView check(Tenant tenant, @RequestBody GroundingRequest request) {
        String answer = request.answer();
        if (answer == null || answer.isBlank() || answer.length() > MAX_ANSWER_CHARS) {
            throw ValidationFailed.of("answer", "is required: 1 to " + MAX_ANSWER_CHARS + " characters");
        }
        Grounding.Result r = grounding.check(tenant.projectId(), tenant.namespace(), answer);
        return new GroundingView(
                r.score(),
                r.verdict(),
                r.claims().stream()
                        .map(c -> new ClaimView(
                                c.text(), Math.round(c.score() * 1e6) / 1e6, c.supported(), c.supportingMemoryIds()))
                        .toList(),
                new Thresholds(settings.groundedAt(), settings.flaggedAt(), settings.supportAt()),
                r.pending());
    }
}
