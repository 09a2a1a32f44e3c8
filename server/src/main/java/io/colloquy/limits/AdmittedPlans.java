package io.colloquy.limits;

import java.util.Optional;
import java.util.UUID;

/**
 * The plan a request was admitted under, as read with its key at the start of the request (implemented
 * by the tenant core, which holds the request context): the quota check of the same request uses
 * it instead of reading the project again.
 */
public interface AdmittedPlans {
    /** The plan admitted for {@code project} in the current request, if this thread serves one. */
    Optional<String> current(UUID project);
}
