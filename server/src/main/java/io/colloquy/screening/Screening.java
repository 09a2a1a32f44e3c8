package io.colloquy.screening;

import java.util.List;

/**
 * A text's prompt-injection screening: a score from 0 (nothing suspicious) to 1, and the labels of what was found,
 * in a fixed order: {@code instruction_override}, {@code role_impersonation}, {@code system_prompt_extraction},
 * {@code data_exfiltration}, {@code encoded_payload}.
 */
public record Screening(double score, List<String> labels) {
    public static final String INSTRUCTION_OVERRIDE = "instruction_override";
    public static final String ROLE_IMPERSONATION = "role_impersonation";
    public static final String SYSTEM_PROMPT_EXTRACTION = "system_prompt_extraction";
    public static final String DATA_EXFILTRATION = "data_exfiltration";
    public static final String ENCODED_PAYLOAD = "encoded_payload";
    public static final List<String> LABELS = List.of(
            INSTRUCTION_OVERRIDE, ROLE_IMPERSONATION, SYSTEM_PROMPT_EXTRACTION, DATA_EXFILTRATION, ENCODED_PAYLOAD);
    public static final Screening CLEAN = new Screening(0, List.of());

    public Screening {
        if (!(score >= 0 && score <= 1)) {
            throw new IllegalArgumentException("a screening score lies in [0, 1]");
        }
        score = Math.round(score * 1000) / 1000.0;
        labels = List.copyOf(labels);
    }
}
