package io.colloquy.projects;

import io.colloquy.platform.Ids;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** A project in API responses. */
record ProjectView(
        String id,
        String name,
        String plan,
        boolean immutableDialogues,
        boolean deleteProtection,
        List<String> ipAllowlist,
        RetentionView retention,
        int recoveryWindowDays,
        ScreeningSettingsView screening,
        Instant createdAt,
        Instant updatedAt) {

    record RetentionView(
            @Nullable Integer dialogueDays,
            @Nullable Integer shortTermMemoryDays,
            @Nullable Integer longTermMemoryDays) {}

    /** {@code screening}: see docs/screening.md. */
    record ScreeningSettingsView(
            String piiRedaction, @Nullable Double injectionRejectThreshold) {}

    static ProjectView of(Project p) {
        return new ProjectView(
                Ids.format("prj", p.id()),
                p.name(),
                p.plan(),
                p.immutableDialogues(),
                p.deleteProtection(),
                p.ipAllowlist(),
                new RetentionView(
                        p.retention().dialogueDays(),
                        p.retention().shortTermMemoryDays(),
                        p.retention().longTermMemoryDays()),
                p.recoveryWindowDays(),
                new ScreeningSettingsView(
                        p.screening().piiRedaction().wireName(), p.screening().injectionRejectThreshold()),
                p.createdAt(),
                p.updatedAt());
    }
}
