package io.colloquy.audit;

import java.util.UUID;

/**
 * Published (synchronously, in the deleting transaction) just before a project's rows are removed:
 * each feature records a {@code deleted} event for each of its rows, with {@code parentEventId} (the
 * project's own {@code deleted} event) as the parent.
 */
public record ProjectDeleting(UUID projectId, UUID parentEventId) {}
