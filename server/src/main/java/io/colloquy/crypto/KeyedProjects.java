package io.colloquy.crypto;

import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The projects whose keys this feature manages, and a tenant transaction in one of them: implemented by
 * the projects feature, so key management (rotation, re-encryption, the master key command, the
 * encryption-key endpoints) needs no dependency on it.
 */
public interface KeyedProjects {
    /** Every project's id, for jobs that then work inside each project's own transaction. */
    List<UUID> allProjectIds();

    /** Runs {@code work} in a transaction that sees every namespace of one project. */
    <T> T inProject(UUID project, Supplier<T> work);

    /** Throws the contract's 404 when the project no longer exists (e.g. deleted while a change waited). */
    void requireExists(UUID project);
}
