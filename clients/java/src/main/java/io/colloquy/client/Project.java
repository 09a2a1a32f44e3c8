package io.colloquy.client;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The project of the client's API key and its settings.
 *
 * @param id {@code prj_...}
 * @param name its name
 * @param plan its plan
 * @param immutableDialogues whether dialogues can never be edited or deleted
 * @param deleteProtection whether deleting the project is refused
 * @param ipAllowlist the CIDRs it may be reached from (empty: any)
 * @param retention retention overrides in days ({@code dialogue_days}, ...; null values: the plan's)
 * @param recoveryWindowDays how long deleted dialogues and memories can be restored
 * @param createdAt when it was created
 * @param updatedAt when it last changed
 */
public record Project(
        String id,
        String name,
        String plan,
        boolean immutableDialogues,
        boolean deleteProtection,
        List<String> ipAllowlist,
        Map<String, Integer> retention,
        int recoveryWindowDays,
        Instant createdAt,
        Instant updatedAt) {}
