package io.colloquy.tenant;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A feature that holds end users' content in namespaces (dialogues with their messages, memories):
 * retention and erasure iterate over every bean of this type instead of calling each feature by name.
 * Every method runs in the caller's project-wide tenant transaction.
 */
public interface TenantContent {
    /**
     * The cutoffs of one retention run in one project: dialogues inactive since before {@code
     * inactiveBefore}, short- and long-term memories created before theirs (null = keep forever),
     * memories expired at {@code now}, anything deleted before {@code deletedBefore}. In a project with
     * immutable dialogues no dialogue is purged.
     */
    record RetentionCutoffs(
            @Nullable Instant inactiveBefore,
            @Nullable Instant shortTermBefore,
            @Nullable Instant longTermBefore,
            Instant now,
            Instant deletedBefore,
            boolean immutableDialogues) {}

    /** What retention purges here, as the preview and the run report it ({@code "dialogues"}). */
    String purgedKind();

    /** The public id prefix of what retention purges here ({@code "dlg"}). */
    String idPrefix();

    /** How many rows of each kind there are, soft-deleted ones included (namespace null = the whole project). */
    Map<String, Long> count(UUID project, @Nullable Namespace ns);

    /**
     * Erases everything of a namespace (its keys are shredded by the caller first) and says how many rows of
     * each kind went; may refuse with the contract's 409.
     */
    Map<String, Long> eraseNamespace(UUID project, Namespace ns);

    /** Ids (any namespace) the retention purge may remove under {@code cutoffs}, never under legal hold; at most {@code limit}. */
    List<UUID> purgeable(UUID project, RetentionCutoffs cutoffs, int limit);

    /** Removes them for good, each with a purged event under {@code run} (the retention run's event); returns how many. */
    int purge(UUID project, List<UUID> ids, UUID run);
}
