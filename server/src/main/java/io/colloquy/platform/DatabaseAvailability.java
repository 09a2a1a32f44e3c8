package io.colloquy.platform;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import org.jspecify.annotations.Nullable;
import org.postgresql.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Whether the database can be reached right now. A request that failed for want of the database
 * {@link #suspect() raises suspicion}; a prober then checks the pool and, while the database stays unreachable,
 * marks it unavailable (requests are refused at once with 503 instead of each waiting for the pool's timeout)
 * and keeps probing every {@link #RETRY} until it answers again, when the pool is renewed and requests served.
 */
@Component
final class DatabaseAvailability implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(DatabaseAvailability.class);
    static final Duration RETRY = Duration.ofMillis(250);
    private static final int VALIDATION_SECONDS = 1;

    private final DatabaseEndpoint endpoint;
    private final RenewablePool pool;
    private final Semaphore suspicion = new Semaphore(0);
    private volatile boolean available = true;
    private volatile @Nullable Thread prober;

    DatabaseAvailability(DatabaseEndpoint endpoint, RenewablePool pool) {
        this.endpoint = endpoint;
        this.pool = pool;
    }

    boolean available() {
        return available;
    }

    /** Something failed as if the database were gone: check it (without blocking the caller). */
    void suspect() {
        suspicion.release();
    }

    @Override
    public void start() {
        prober = Thread.ofPlatform().daemon().name("database-availability").start(this::watch);
    }

    @Override
    public void stop() {
        Thread running = prober;
        if (running != null) {
            running.interrupt();
        }
        prober = null;
    }

    @Override
    public boolean isRunning() {
        return prober != null;
    }

    private void watch() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                suspicion.acquire();
                suspicion.drainPermits();
                while (!reachable()) {
                    if (available) {
                        available = false;
                        log.error("The database is unreachable: answering 503 SERVICE_UNAVAILABLE until it is back");
                    }
                    Thread.sleep(RETRY);
                }
                if (!available) {
                    pool.renew();
                    available = true;
                    log.warn("The database is reachable again: serving requests");
                }
                suspicion.drainPermits();
            }
        } catch (InterruptedException e) {
            // stopping
        }
    }

    /** A connection of its own (not the pool's, which may be backing off): as the app role, briefly. */
    private boolean reachable() {
        Properties properties = new Properties();
        properties.setProperty("user", endpoint.appUser());
        properties.setProperty("password", endpoint.appPassword());
        properties.setProperty("connectTimeout", "2");
        properties.setProperty("socketTimeout", "2");
        properties.setProperty("ApplicationName", "colloquy-probe");
        try (Connection connection = new Driver().connect(endpoint.jdbcUrl(), properties)) {
            return connection != null && connection.isValid(VALIDATION_SECONDS);
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }
}
