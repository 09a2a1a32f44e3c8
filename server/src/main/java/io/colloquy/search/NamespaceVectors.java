package io.colloquy.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jspecify.annotations.Nullable;

/**
 * The decrypted vectors of one namespace in memory: one flat {@code float[]} (row i = item i), scored by brute
 * force (a dot product per item: the vectors have unit length, so it is the cosine). Changed in place by the
 * embedding worker after its commits; reads and changes are guarded by a read-write lock.
 */
final class NamespaceVectors {
    /** What an item is: a message or a memory of a kind. */
    enum Kind {
        MESSAGE("message"),
        SHORT_TERM("short_term"),
        LONG_TERM("long_term");

        final String stored;

        Kind(String stored) {
            this.stored = stored;
        }

        static Kind of(String stored) {
            for (Kind k : values()) {
                if (k.stored.equals(stored)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown item kind");
        }
    }

    /** An item's score against a query. */
    record Scored(UUID id, Kind kind, @Nullable UUID dialogueId, float score) {}

    private static final int D = Embedder.DIMENSIONS;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<UUID, Integer> positions = new HashMap<>();
    private UUID[] ids;
    private Kind[] kinds;
    private @Nullable UUID[] dialogues;
    private float[] data;
    private int size;

    NamespaceVectors(int capacity) {
        int c = Math.max(16, capacity);
        ids = new UUID[c];
        kinds = new Kind[c];
        dialogues = new UUID[c];
        data = new float[c * D];
    }

    int size() {
        lock.readLock().lock();
        try {
            return size;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Bytes held (the cache's weight): the vectors' capacity plus about 100 bytes of bookkeeping per item. */
    long bytes() {
        lock.readLock().lock();
        try {
            return (long) data.length * Float.BYTES + (long) ids.length * 100;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Adds an item or replaces its vector. */
    void put(UUID id, Kind kind, @Nullable UUID dialogue, float[] vector) {
        lock.writeLock().lock();
        try {
            Integer at = positions.get(id);
            int i;
            if (at != null) {
                i = at;
            } else {
                if (size == ids.length) {
                    int c = ids.length
                            + Math.max(16, ids.length / 4); // a quarter more: a large namespace stays in the cache
                    ids = Arrays.copyOf(ids, c);
                    kinds = Arrays.copyOf(kinds, c);
                    dialogues = Arrays.copyOf(dialogues, c);
                    data = Arrays.copyOf(data, c * D);
                }
                i = size++;
                positions.put(id, i);
            }
            ids[i] = id;
            kinds[i] = kind;
            dialogues[i] = dialogue;
            System.arraycopy(vector, 0, data, i * D, D);
        } finally {
            lock.writeLock().unlock();
        }
    }

    void remove(UUID id) {
        lock.writeLock().lock();
        try {
            Integer at = positions.remove(id);
            if (at == null) {
                return;
            }
            int last = --size;
            if (at != last) {
                ids[at] = ids[last];
                kinds[at] = kinds[last];
                dialogues[at] = dialogues[last];
                System.arraycopy(data, last * D, data, at * D, D);
                positions.put(ids[at], at);
            }
            ids[last] = null;
            dialogues[last] = null;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** The {@code k} items of the wanted kinds scoring highest against {@code query}, best first. */
    List<Scored> top(float[] query, int k, boolean messages, boolean shortTerm, boolean longTerm) {
        lock.readLock().lock();
        try {
            PriorityQueue<Scored> best = new PriorityQueue<>(k + 1, (a, b) -> Float.compare(a.score(), b.score()));
            for (int i = 0; i < size; i++) {
                Kind kind = kinds[i];
                if (kind == Kind.MESSAGE ? !messages : kind == Kind.SHORT_TERM ? !shortTerm : !longTerm) {
                    continue;
                }
                float s = dot(query, data, i * D);
                if (best.size() < k) {
                    best.add(new Scored(ids[i], kind, dialogues[i], s));
                } else if (s > best.peek().score()) {
                    best.poll();
                    best.add(new Scored(ids[i], kind, dialogues[i], s));
                }
            }
            List<Scored> out = new ArrayList<>(best);
            out.sort((a, b) -> Float.compare(b.score(), a.score()));
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The vector of one item (a copy), or null. */
    float @Nullable [] vector(UUID id) {
        lock.readLock().lock();
        try {
            Integer at = positions.get(id);
            return at == null ? null : Arrays.copyOfRange(data, at * D, at * D + D);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Four independent sums so the CPU overlaps the multiply-adds (the JIT does not reorder float sums). */
    static float dot(float[] q, float[] data, int offset) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int j = 0; j < D; j += 4) {
            s0 += q[j] * data[offset + j];
            s1 += q[j + 1] * data[offset + j + 1];
            s2 += q[j + 2] * data[offset + j + 2];
            s3 += q[j + 3] * data[offset + j + 3];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
