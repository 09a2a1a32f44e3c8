package io.colloquy.limits;

import io.colloquy.platform.ColloquySettings;
import org.jspecify.annotations.Nullable;

/** What a plan limits per calendar month (UTC). */
public enum Quota {
    DIALOGUES("dialogues", "Dialogues"),
    MESSAGES("messages", "Messages"),
    MEMORIES("memories", "Memories");

    private final String column;
    private final String title;

    Quota(String column, String title) {
        this.column = column;
        this.title = title;
    }

    /** The plan's monthly allowance, or null for no limit. */
    @Nullable
    Integer of(ColloquySettings.Plan plan) {
        return switch (this) {
            case DIALOGUES -> plan.monthlyDialogues();
            case MESSAGES -> plan.monthlyMessages();
            case MEMORIES -> plan.monthlyMemories();
        };
    }

    /** The counter column in {@code plan_usage}. */
    String column() {
        return column;
    }

    String title() {
        return title;
    }
}
