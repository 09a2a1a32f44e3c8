package io.colloquy.audit;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.function.BiConsumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Repository;

/**
 * Listens (one pooled connection, one virtual thread) for the sequencer's announcements of new tree
 * sizes, from whichever server sequenced them, and hands them to the live streams. After a reconnect it
 * reports a "maybe missed something" so every stream re-reads its project's size.
 */
@Repository
@ConditionalOnWebApplication
class NotificationRepository implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(NotificationRepository.class);
    private final DataSource dataSource;
    private final StreamHub hub;
    private volatile boolean running;
    private @Nullable Thread thread;

    NotificationRepository(DataSource dataSource, StreamHub hub) {
        this.dataSource = dataSource;
        this.hub = hub;
    }

    @Override
    public void start() {
        running = true;
        thread = Thread.ofVirtual().name("audit-notifications").start(() -> listen(hub::advance));
    }

    @Override
    public void stop() {
        running = false;
        Thread t = thread;
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void listen(BiConsumer<UUID, Long> onAdvance) {
        while (running) {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + SequencerRepository.CHANNEL);
                }
                hub.wakeAll();
                try {
                    PGConnection pg = c.unwrap(PGConnection.class);
                    while (running) {
                        PGNotification[] batch = pg.getNotifications(1000);
                        for (PGNotification n : batch == null ? new PGNotification[0] : batch) {
                            String[] parts = n.getParameter().split(" ");
                            if (parts.length == 2) {
                                onAdvance.accept(UUID.fromString(parts[0]), Long.parseLong(parts[1]));
                            }
                        }
                    }
                } finally {
                    try (Statement s = c.createStatement()) {
                        s.execute("UNLISTEN *");
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                log.warn("Audit notification listener lost its connection; reconnecting", e);
                java.util.concurrent.locks.LockSupport.parkNanos(
                        Duration.ofSeconds(1).toNanos());
            }
        }
    }
}
