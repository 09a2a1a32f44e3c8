package io.colloquy.audit;

import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Who is changing things, in which project, under which {@code Idempotency-Key}: bound for the length of
 * a request (by the tenancy feature's request filter) or a command, and read by {@link AuditLog} when it
 * records an event and by the audit endpoints for the caller's project. A scoped value: it ends with the
 * work it was bound for and never leaks into another request on the same thread.
 */
public record AuditContext(
        UUID projectId, AuditActor actor, @Nullable String idempotencyKey) {
    private static final ScopedValue<AuditContext> CURRENT = ScopedValue.newInstance();

    public <T> T call(Supplier<T> work) {
        return ScopedValue.where(CURRENT, this).call(work::get);
    }

    public void run(Runnable work) {
        ScopedValue.where(CURRENT, this).run(work);
    }

    public static Optional<AuditContext> current() {
        return CURRENT.isBound() ? Optional.of(CURRENT.get()) : Optional.empty();
    }
}
