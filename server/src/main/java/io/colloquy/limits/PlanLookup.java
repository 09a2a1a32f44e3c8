package io.colloquy.limits;

import java.util.Optional;
import java.util.UUID;

/**
 * Reads a project's plan in the current tenant transaction; implemented by the feature that owns
 * projects. Quotas use it only when the request did not already bring the plan with its key.
 */
public interface PlanLookup {
    Optional<String> planOf(UUID project);
}
