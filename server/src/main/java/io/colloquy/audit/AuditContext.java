package io.colloquy.audit;

import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * What the audit log needs of the work it records (who, in which project, under which
 * {@code Idempotency-Key}): the audit feature's view of the one request context, which the tenant core
 * feature binds once per request or command (its {@code RequestContext} implements this). A scoped
 * value: it ends with the work it was bound for and never leaks into another request on the same thread.
 */
public interface AuditContext {
    /** The one carrier of the request context; bound by the tenant core, read here. */
    ScopedValue<AuditContext> CURRENT = ScopedValue.newInstance();

    UUID projectId();

    AuditActor actor();

    @Nullable
    String idempotencyKey();

    static Optional<AuditContext> current() {
        return CURRENT.isBound() ? Optional.of(CURRENT.get()) : Optional.empty();
    }
}
