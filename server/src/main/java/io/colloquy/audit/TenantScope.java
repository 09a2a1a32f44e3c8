package io.colloquy.audit;

import java.util.UUID;
import java.util.function.Supplier;

/**
 * Opens a transaction with one project's tenant context set (implemented by the tenant core, so
 * the audit feature needs no dependency on it). The sequencer, the JSON-lines export and the live
 * stream run outside a request transaction and use it for each step of their work.
 */
public interface TenantScope {
    <T> T inProject(UUID projectId, Supplier<T> work);
}
