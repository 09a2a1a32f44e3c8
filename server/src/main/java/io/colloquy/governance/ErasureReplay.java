package io.colloquy.governance;

import io.colloquy.crypto.ErasureJournal;
import io.colloquy.projects.ProjectService;
import io.colloquy.tenant.Namespace;
import io.colloquy.tenant.TenantTransactions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * Re-applies the erasure journal at every start, before the web server takes a request (singletons are ready
 * before the context starts its web server): a namespace whose destroyed keys are stored again, or a deleted project
 * that exists again — a database restored from a backup taken before the erasure — is erased again, through the
 * same paths as the first time. Idempotent: what is gone stays gone and costs one look-up per entry. A journal that
 * does not verify stops the start.
 */
@Component
class ErasureReplay implements SmartInitializingSingleton {
    private static final Logger log = LoggerFactory.getLogger(ErasureReplay.class);
    private final ErasureJournal journal;
    private final Erasure erasure;
    private final ProjectService projects;
    private final TenantTransactions transactions;

    ErasureReplay(ErasureJournal journal, Erasure erasure, ProjectService projects, TenantTransactions transactions) {
        this.journal = journal;
        this.erasure = erasure;
        this.projects = projects;
        this.transactions = transactions;
    }

    @Override
    public void afterSingletonsInstantiated() {
        int replayed = replay();
        if (replayed > 0) {
            log.warn(
                    "Re-applied {} erasure(s) from the erasure journal: the database held data erased after it was"
                            + " backed up (a restore)",
                    replayed);
        }
    }

    /** Re-applies every erasure in force whose data is stored again; returns how many. */
    int replay() {
        int replayed = 0;
        for (ErasureJournal.Entry entry : journal.inForce()) {
            boolean done = transactions.inProject(entry.project(), () -> switch (entry.kind()) {
                case PROJECT -> {
                    if (!projects.exists(entry.project())) {
                        yield false;
                    }
                    erasure.replayProjectDeletion(entry.project());
                    yield true;
                }
                case NAMESPACE -> {
                    if (!journal.stillStored(entry)) {
                        yield false;
                    }
                    erasure.eraseNamespace(entry.project(), new Namespace(entry.namespace()));
                    yield true;
                }
                case VOID -> false;
            });
            if (done) {
                log.warn(
                        "Erasure journal entry {} ({} of project {}, {}) re-applied",
                        entry.seq(),
                        entry.kind() == ErasureJournal.Kind.PROJECT ? "deletion" : "namespace erasure",
                        entry.project(),
                        entry.at());
                replayed++;
            }
        }
        return replayed;
    }
}
