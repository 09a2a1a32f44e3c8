package io.colloquy.search;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.colloquy.audit.ProjectDeleting;
import io.colloquy.crypto.EncryptionKeyChanged;
import io.colloquy.crypto.FieldRef;
import io.colloquy.crypto.SealedContent;
import io.colloquy.crypto.StoredValues;
import io.colloquy.tenant.Namespace;
import io.colloquy.tenant.TenantContent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;

/**
 * The embedding vectors of messages and memories: stored sealed under the namespace's data key (so a
 * namespace's erasure shreds them with its key, and re-encryption seals them again like content), and kept
 * decrypted in memory per namespace ({@link NamespaceVectors}) in one cache bounded by bytes (least recently
 * used out first), built on demand from the table in the caller's tenant transaction. Erasure and project
 * deletion drop the namespace's entry at once; the embedding worker changes entries after its commits.
 */
@Service
public class Vectors implements TenantContent, SealedContent {
    record Key(UUID project, String namespace) {}

    private final VectorRepository vectors;
    private final StoredValues values;
    private final Clock clock;
    private final Cache<Key, NamespaceVectors> cache;

    Vectors(VectorRepository vectors, StoredValues values, EmbeddingSettings settings, Clock clock) {
        this.vectors = vectors;
        this.values = values;
        this.clock = clock;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(settings.cacheBytes())
                .weigher((Key k, NamespaceVectors v) -> (int) Math.min(Integer.MAX_VALUE, v.bytes()))
                .build();
    }

    /** The namespace's vectors, from the cache or built now from the table (caller's tenant transaction). */
    NamespaceVectors index(UUID project, Namespace ns) {
        return cache.get(new Key(project, ns.name()), k -> load(project, ns.name()));
    }

    private NamespaceVectors load(UUID project, String ns) {
        List<VectorRepository.Row> rows = vectors.all(project, ns);
        NamespaceVectors index = new NamespaceVectors(rows.size() + rows.size() / 8);
        for (VectorRepository.Row row : rows) {
            index.put(row.itemId(), NamespaceVectors.Kind.of(row.kind()), row.dialogueId(), open(project, ns, row));
        }
        return index;
    }

    /** Stores an item's vector (caller's tenant transaction); call {@link #cached} after the commit. */
    void store(UUID project, String ns, UUID item, NamespaceVectors.Kind kind, @Nullable UUID dialogue, float[] v) {
        byte[] sealed = values.sealBytes(ref(project, ns, item), bytes(v));
        vectors.upsert(project, ns, new VectorRepository.Row(item, kind.stored, dialogue, sealed), clock.instant());
    }

    void delete(UUID project, String ns, List<UUID> items) {
        vectors.delete(project, ns, items);
    }

    /** Deletes the vectors of these dialogues' messages; returns the namespace of each item removed. */
    List<String[]> deleteDialogues(UUID project, List<UUID> dialogues) {
        return vectors.deleteDialogues(project, dialogues);
    }

    /** Brings a cached namespace up to date after a commit (nothing when it is not cached). */
    void cached(UUID project, String ns, java.util.function.Consumer<NamespaceVectors> change) {
        // compute: serialized with a build of the same namespace, so a build that read before the commit is
        // changed after it, never overwritten by it
        cache.asMap().computeIfPresent(new Key(project, ns), (k, index) -> {
            change.accept(index);
            return index;
        });
        Key key = new Key(project, ns);
        NamespaceVectors now = cache.getIfPresent(key);
        if (now != null) {
            cache.put(key, now); // weighed again: it may have grown
        }
    }

    void forget(UUID project, String ns) {
        cache.invalidate(new Key(project, ns));
    }

    private void forgetProject(UUID project) {
        cache.asMap().keySet().removeIf(k -> k.project().equals(project));
    }

    /** The worker's cursor in a project's log and its pending changes in a namespace (caller's transaction). */
    long cursor(UUID project) {
        return vectors.cursor(project);
    }

    @Override
    public String purgedKind() {
        return "embeddings";
    }

    @Override
    public String idPrefix() {
        return "emb";
    }

    @Override
    public Map<String, Long> count(UUID project, @Nullable Namespace ns) {
        return Map.of("embeddings", vectors.count(project, ns == null ? null : ns.name()));
    }

    /** Deletes the namespace's vectors (its key is already shredded) and drops them from memory. */
    @Override
    public Map<String, Long> eraseNamespace(UUID project, Namespace ns) {
        Map<String, Long> n = count(project, ns);
        vectors.eraseNamespace(project, ns.name());
        forget(project, ns.name());
        return n;
    }

    /** Nothing on its own: a vector goes with its message or memory (the worker applies their purged events). */
    @Override
    public List<UUID> purgeable(UUID project, RetentionCutoffs cutoffs, int limit) {
        return List.of();
    }

    @Override
    public int purge(UUID project, List<UUID> ids, UUID run) {
        return 0;
    }

    @Override
    public int resealOlderValues(UUID project, String ns, int current, int limit) {
        List<VectorRepository.Row> old = vectors.older(project, ns, current, limit);
        for (VectorRepository.Row row : old) {
            float[] v = open(project, ns, row);
            store(project, ns, row.itemId(), NamespaceVectors.Kind.of(row.kind()), row.dialogueId(), v);
        }
        return old.size();
    }

    @EventListener
    void onProjectDeleting(ProjectDeleting deleting) {
        forgetProject(deleting.projectId());
    }

    /** A customer key revoked (or any key change): decrypted vectors leave memory, rebuilt when readable. */
    @EventListener
    void onKeyChange(EncryptionKeyChanged changed) {
        forgetProject(changed.projectId());
    }

    private float[] open(UUID project, String ns, VectorRepository.Row row) {
        byte[] plain = values.openBytes(ref(project, ns, row.itemId()), row.sealed());
        float[] v = new float[Embedder.DIMENSIONS];
        ByteBuffer.wrap(plain).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    private static byte[] bytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    private static FieldRef ref(UUID project, String ns, UUID item) {
        return new FieldRef(project, ns, "embeddings", item, "vector");
    }
}
