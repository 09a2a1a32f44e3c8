package io.colloquy.audit;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * What the sequencer asks the database outside any tenant: leadership, the order watermark, which
 * transactions may still be writing a project's events, and which projects have events waiting. Inside a project's transaction it takes that
 * project's sequencing lock and announces new tree sizes.
 */
@Repository
class SequencerRepository {
    /** Advisory lock keys (class, object): "audl" for the leader, "audp" + project hash per project. */
    private static final int LEADER_CLASS = 0x6175646c;

    private static final int PROJECT_CLASS = 0x61756470;
    /** "audw": the shared lock a transaction holds on a project once it records an event of it (V29). */
    private static final long WRITER_CLASS = 0x61756477;

    static final String CHANNEL = "colloquy_audit";

    private final JdbcClient jdbc;
    private final JdbcTemplate template;

    SequencerRepository(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.template = template;
    }

    /**
     * Runs {@code work} while this process holds the cluster-wide sequencer leadership (a session advisory
     * lock on one pooled connection, released after the work, or by the database if the process dies);
     * returns false without running it when another instance leads.
     */
    boolean asLeader(Runnable work) {
        Boolean ran = template.execute((ConnectionCallback<Boolean>) c -> {
            try (var s = c.prepareStatement("SELECT pg_try_advisory_lock(?, 0)")) {
                s.setInt(1, LEADER_CLASS);
                try (var r = s.executeQuery()) {
                    r.next();
                    if (!r.getBoolean(1)) {
                        return false;
                    }
                }
            }
            try {
                work.run();
                return true;
            } finally {
                try (var s = c.prepareStatement("SELECT pg_advisory_unlock(?, 0)")) {
                    s.setInt(1, LEADER_CLASS);
                    s.execute();
                }
            }
        });
        return Boolean.TRUE.equals(ran);
    }

    /** A fresh place in the order: every outbox row below it was placed by an earlier transaction. */
    long nextOrd() {
        return jdbc.sql("SELECT nextval('colloquy.audit_ord')")
                .query(Long.class)
                .single();
    }

    /**
     * The transactions (virtual ids) now holding the project's writer lock (taken by the outbox trigger
     * before an event draws its place, V29): the only ones that may still add events of it below a
     * watermark drawn before this call.
     */
    Set<String> writers(UUID project) {
        return new HashSet<>(jdbc.sql("""
                        SELECT l.virtualtransaction FROM pg_locks l
                         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                           AND l.classid::bigint = :cls
                           AND l.objid::bigint = (hashtext(CAST(:project AS text))::bigint & 4294967295)""")
                .param("cls", WRITER_CLASS)
                .param("project", project)
                .query(String.class)
                .list());
    }

    List<UUID> pendingProjects(long below) {
        return jdbc.sql("SELECT colloquy.audit_pending_projects(:below)")
                .param("below", below)
                .query(UUID.class)
                .list();
    }

    /** Serializes sequencers of one project (held by the sequencing transaction only, never by a change). */
    void lockProject(UUID project) {
        jdbc.sql("SELECT pg_advisory_xact_lock(:cls, hashtext(CAST(:project AS text)))")
                .param("cls", PROJECT_CLASS)
                .param("project", project)
                .query((rs, n) -> 1)
                .list();
    }

    /** Tells every instance's live streams (on commit) that the project's log grew to {@code size}. */
    void announce(UUID project, long size) {
        jdbc.sql("SELECT pg_notify(:channel, :payload)")
                .param("channel", CHANNEL)
                .param("payload", project + " " + size)
                .query((rs, n) -> 1)
                .list();
    }
}
