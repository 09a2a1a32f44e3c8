package io.colloquy.audit;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/** The live streams of this server, by project; told when a project's log grows. */
@Component
final class StreamHub {
    private final ConcurrentHashMap<UUID, Set<StreamSession>> byProject = new ConcurrentHashMap<>();

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
