package io.colloquy.platform;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Leader election for the periodic jobs (key rotation, data key re-encryption, retention) when several Colloquy
 * instances share one database (docs/scale-out.md, "Several instances"): a job runs only while its instance holds
 * the job's session advisory lock (class "cjob", key from the job's name) on one pooled connection. An instance
 * that finds the lock held skips that run; the lock goes with the connection if the instance dies. On Citus the
 * lock lives on the coordinator, which every instance connects to, so it is as cluster-wide as on PostgreSQL.
 * A skipped run loses nothing: every job works on what is due when it runs, and the leader's run took it.
 */
@Component
public class JobLeadership {
    /** "cjob". */
    static final int JOB_CLASS = 0x636a6f62;

    private final JdbcTemplate template;

    JobLeadership(JdbcTemplate template) {
        this.template = template;
    }

    /** Runs {@code work} if no other instance (or thread) runs job {@code job} now; returns whether it ran. */
    public boolean runAsLeader(String job, Runnable work) {
        int key = key(job);
        Boolean ran = template.execute((ConnectionCallback<Boolean>) c -> {
            try (var s = c.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
                s.setInt(1, JOB_CLASS);
                s.setInt(2, key);
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
                try (var s = c.prepareStatement("SELECT pg_advisory_unlock(?, ?)")) {
                    s.setInt(1, JOB_CLASS);
                    s.setInt(2, key);
                    s.execute();
                }
            }
        });
        return Boolean.TRUE.equals(ran);
    }

    static int key(String job) {
        CRC32 crc = new CRC32();
        crc.update(job.getBytes(StandardCharsets.UTF_8));
        return (int) crc.getValue();
    }
}
