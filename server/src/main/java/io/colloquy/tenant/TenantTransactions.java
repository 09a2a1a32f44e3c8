package io.colloquy.tenant;

import io.colloquy.audit.TenantScope;
import io.colloquy.keys.ApiKeyService;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The one component that opens tenant transactions: it begins a transaction and sets the tenant
 * context (project, namespace or every namespace) once, through {@code colloquy.set_tenant} (or, for a
 * request with an API key, {@code colloquy.begin_request}, which checks the key in the same statement),
 * before any other statement. Row-level security does the rest. It is also the audit feature's
 * {@link TenantScope} (the sequencer, the export and the live stream work outside requests).
 */
@Component
public final class TenantTransactions implements TenantScope {
    private final TransactionTemplate transactions;
    private final TenantContextRepository context;

    TenantTransactions(TransactionTemplate transactions, TenantContextRepository context) {
        this.transactions = transactions;
        this.context = context;
    }

    /** Runs {@code work} in a transaction scoped to one namespace of a project. */
    public <T> T inNamespace(UUID projectId, Namespace namespace, Supplier<T> work) {
        return run(projectId, namespace.name(), status -> work.get());
    }

    /** Runs {@code work} in a transaction that sees every namespace of one project. */
    @Override
    public <T> T inProject(UUID projectId, Supplier<T> work) {
        return run(projectId, Namespace.ALL, status -> work.get());
    }

    /**
     * Lets the statements of the current transaction run up to {@code timeout} instead of the pool's statement
     * timeout: for the few single statements whose size is the tenant's data (erasing a namespace or a project).
     */
    public void allowLongStatements(Duration timeout) {
        context.setStatementTimeout(timeout.toMillis());
    }

    /**
     * Runs {@code work} in a transaction whose first statement checks a presented API key and, when it
     * matches, sets the tenant context to the key's own project and {@code namespace}
     * ({@code colloquy.begin_request}). {@code work} gets what that statement returned (empty: no such key,
     * no tenant context) and decides; it must roll back on any refusal.
     */
    <T> T runAsKey(
            UUID keyId,
            byte[] digest,
            String namespace,
            BiFunction<Optional<ApiKeyService.KeyFacts>, TransactionStatus, T> work) {
        return transactions.execute(status -> work.apply(context.beginRequest(keyId, digest, namespace), status));
    }

    <T> T run(UUID projectId, String namespace, Function<TransactionStatus, T> work) {
        return transactions.execute(status -> {
            context.set(projectId, namespace);
            return work.apply(status);
        });
    }
}
