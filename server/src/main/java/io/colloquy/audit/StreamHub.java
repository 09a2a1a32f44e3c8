package io.colloquy.audit;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.stereotype.Component;

/**
 * The live streams of this server, by project; told when a project's log grows. It also holds the
 * places of streams being opened and open, per key and per project, so that concurrent handshakes
 * cannot together go over the caps.
 */
@Component
final class StreamHub {
    private final ConcurrentHashMap<UUID, Set<StreamSession>> byProject = new ConcurrentHashMap<>();
    private final Map<UUID, Integer> placesByKey = new HashMap<>();
    private final Map<UUID, Integer> placesByProject = new HashMap<>();

    /** A stream's place under the caps, from its handshake until it closes; releasing it twice is harmless. */
    final class Place {
        private final UUID project;
        private final UUID key;
        private final AtomicBoolean released = new AtomicBoolean();

        private Place(UUID project, UUID key) {
            this.project = project;
            this.key = key;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                StreamHub.this.release(project, key);
            }
        }
    }

    /** A place for one more stream of this key and project, or empty when either is at its cap. */
    synchronized Optional<Place> reserve(UUID project, UUID key, int maxPerKey, int maxPerProject) {
        if (placesByKey.getOrDefault(key, 0) >= maxPerKey
                || placesByProject.getOrDefault(project, 0) >= maxPerProject) {
            return Optional.empty();
        }
        placesByKey.merge(key, 1, Integer::sum);
        placesByProject.merge(project, 1, Integer::sum);
        return Optional.of(new Place(project, key));
    }

    private synchronized void release(UUID project, UUID key) {
        placesByKey.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
        placesByProject.computeIfPresent(project, (p, n) -> n == 1 ? null : n - 1);
    }

    void add(StreamSession session) {
        byProject
                .computeIfAbsent(session.project(), p -> ConcurrentHashMap.newKeySet())
                .add(session);
    }

    void remove(StreamSession session) {
        byProject.computeIfPresent(session.project(), (p, set) -> {
            set.remove(session);
            return set.isEmpty() ? null : set;
        });
    }

    void advance(UUID project, long size) {
        Set<StreamSession> sessions = byProject.get(project);
        if (sessions != null) {
            sessions.forEach(s -> s.advance(size));
        }
    }

    /** After a lost notification connection: every stream re-reads its project's size. */
    void wakeAll() {
        byProject.values().forEach(set -> set.forEach(StreamSession::recheck));
    }

    /** Live streams of one project on this server. */
    int streams(UUID project) {
        Set<StreamSession> sessions = byProject.get(project);
        return sessions == null ? 0 : sessions.size();
    }
}
