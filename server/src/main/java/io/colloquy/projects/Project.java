package io.colloquy.projects;

import io.colloquy.screening.ScreeningSettings;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** A project and its settings. */
public record Project(
        UUID id,
        String name,
        String plan,
        boolean immutableDialogues,
        boolean deleteProtection,
        List<String> ipAllowlist,
        Retention retention,
        int recoveryWindowDays,
        ScreeningSettings screening,
        Instant createdAt,
        Instant updatedAt) {

    /** Retention overrides in days; null means the plan's default. */
    public record Retention(
            @Nullable Integer dialogueDays,
            @Nullable Integer shortTermMemoryDays,
            @Nullable Integer longTermMemoryDays) {
        public static final Retention PLAN_DEFAULTS = new Retention(null, null, null);
    }
}
