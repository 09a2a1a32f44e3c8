package io.colloquy.governance;

import io.colloquy.audit.Action;
import io.colloquy.audit.AuditLog;
import io.colloquy.audit.AuditSignatures;
import io.colloquy.audit.EntityType;
import io.colloquy.crypto.ProjectKeys;
import io.colloquy.keys.ApiKeyService;
import io.colloquy.projects.ProjectService;
import io.colloquy.tenant.IdempotencyRecords;
import io.colloquy.tenant.Namespace;
import io.colloquy.tenant.TenantContent;
import io.colloquy.tenant.TenantTransactions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Service;

/**
 * Deletion that is real and provable: keys are destroyed first (so every copy of the ciphertext,
 * in backups and WAL too, becomes unreadable), then every row goes in the same transaction, and a
 * signed receipt says what went.
 */
@Service
public class Erasure {
    /** An erasure deletes a whole namespace or project in a few statements: more than a request's 15 s. */
    static final Duration STATEMENT_TIMEOUT = Duration.ofMinutes(10);

    private final ProjectService projects;
    private final ProjectKeys projectKeys;
    private final List<TenantContent> contents;
    private final ApiKeyService keys;
    private final Receipts receipts;
    private final AuditSignatures audit;
    private final AuditLog log;
    private final IdempotencyRecords idempotency;
    private final TenantTransactions transactions;

    Erasure(
            ProjectService projects,
            ProjectKeys projectKeys,
            List<TenantContent> contents,
            ApiKeyService keys,
            Receipts receipts,
            AuditSignatures audit,
            AuditLog log,
            IdempotencyRecords idempotency,
            TenantTransactions transactions) {
        this.projects = projects;
        this.projectKeys = projectKeys;
        this.contents = List.copyOf(contents);
        this.keys = keys;
        this.receipts = receipts;
        this.audit = audit;
        this.log = log;
        this.idempotency = idempotency;
        this.transactions = transactions;
    }

    /** Deletes the whole project (409 DELETE_PROTECTED while protected) and returns its receipt. */
    public Receipts.Signed deleteProject(UUID project) {
        // Key lock first, then the project's row: the order every key change takes them in. Of concurrent
        // deletions one goes ahead; the others wait here and then find the project gone (404).
        transactions.allowLongStatements(STATEMENT_TIMEOUT);
        projectKeys.holdChanges(project);
        projects.requireDeletable(project);
        Map<String, Long> deleted = new LinkedHashMap<>();
        contents.forEach(content -> deleted.putAll(content.count(project, null)));
        deleted.put("api_keys", keys.count(project));
        AuditSignatures.TreeHead head = audit.treeHead(project);
        projectKeys.shredProject(project);
        projects.delete(project);
        audit.eraseProjectLog(project);
        return receipts.issue(project, null, deleted, head);
    }

    /**
     * Deletes a project again that the erasure journal says was deleted, whatever its delete protection says (a
     * backup from before the deletion was restored); returns its receipt.
     */
    public Receipts.Signed replayProjectDeletion(UUID project) {
        transactions.allowLongStatements(STATEMENT_TIMEOUT);
        projectKeys.holdChanges(project);
        Map<String, Long> deleted = new LinkedHashMap<>();
        contents.forEach(content -> deleted.putAll(content.count(project, null)));
        deleted.put("api_keys", keys.count(project));
        AuditSignatures.TreeHead head = audit.treeHead(project);
        projectKeys.shredProject(project);
        projects.deleteErased(project);
        audit.eraseProjectLog(project);
        return receipts.issue(project, null, deleted, head);
    }

    /** Erases one namespace (refused in immutable projects and under legal hold) and returns its receipt. */
    public Receipts.Signed eraseNamespace(UUID project, Namespace ns) {
        transactions.allowLongStatements(STATEMENT_TIMEOUT);
        projectKeys.shredNamespace(project, ns.name());
        idempotency.forgetNamespace(project, ns); // stored responses hold its content too
        Map<String, Long> deleted = new LinkedHashMap<>();
        contents.forEach(content -> deleted.putAll(content.eraseNamespace(project, ns)));
        Receipts.Signed receipt = receipts.issue(project, ns.name(), deleted, audit.treeHead(project));
        // No data: the namespace's key (which would seal it) is gone; the receipt holds the counts.
        log.record(AuditLog.Change.of(project, ns.name(), EntityType.NAMESPACE, ns.name(), Action.DELETED, null));
        return receipt;
    }
}
