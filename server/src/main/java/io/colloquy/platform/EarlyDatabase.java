package io.colloquy.platform;

import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.boot.context.event.SpringApplicationEvent;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationListener;

/**
 * Starts the database (embedded PostgreSQL: unpack, initdb, start; then roles, Flyway, the app-role check) on its own
 * thread as soon as the configuration is known, while Spring builds the rest of the context on the main thread; the
 * {@code databaseEndpoint} bean then only waits for what is left. Registered by {@link CommandLine}, so it applies to
 * {@code ./colloquy serve} and the CLI; a context started any other way opens the database itself, in the bean.
 * A failure surfaces where the bean is made, with the same exception; a database the context never took (start-up
 * failed elsewhere first) is stopped.
 */
final class EarlyDatabase implements ApplicationListener<SpringApplicationEvent> {
    private static final Logger log = LoggerFactory.getLogger(EarlyDatabase.class);
    private CompletableFuture<DatabaseEndpoint> started;
    private final AtomicBoolean taken = new AtomicBoolean();

    @Override
    public void onApplicationEvent(SpringApplicationEvent event) {
        switch (event) {
            case ApplicationEnvironmentPreparedEvent prepared -> start(prepared);
            case ApplicationPreparedEvent prepared -> {
                if (started != null) {
                    prepared.getApplicationContext().getBeanFactory().registerSingleton("earlyDatabase", this);
                }
            }
            case ApplicationFailedEvent ignored -> abandon();
            default -> {}
        }
    }

    private void start(ApplicationEnvironmentPreparedEvent event) {
        ColloquySettings settings;
        try {
            settings = Binder.get(event.getEnvironment())
                    .bind("colloquy", ColloquySettings.class)
                    .orElse(null);
        } catch (RuntimeException invalid) {
            return; // the context binds the settings again and reports what is wrong, as it always did
        }
        if (settings == null) {
            return;
        }
        started = new CompletableFuture<>();
        Thread.ofPlatform().name("early-database").daemon().start(() -> {
            try {
                started.complete(DatabaseConfiguration.openAndMigrate(settings));
            } catch (Throwable e) {
                started.completeExceptionally(e);
            }
        });
    }

    /** The started, migrated database; rethrows what went wrong while starting it. */
    DatabaseEndpoint take() throws SQLException {
        taken.set(true);
        try {
            return started.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while the database was starting", e);
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case SQLException sql -> throw sql;
                case RuntimeException runtime -> throw runtime;
                case Error error -> throw error;
                default -> throw new IllegalStateException(e.getCause());
            }
        }
    }

    private void abandon() {
        if (started == null || !taken.compareAndSet(false, true)) {
            return;
        }
        try {
            started.join().close();
        } catch (Exception e) {
            log.debug("The early-started database failed or did not stop cleanly: {}", e.toString());
        }
    }
}
