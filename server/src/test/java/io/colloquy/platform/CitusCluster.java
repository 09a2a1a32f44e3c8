package io.colloquy.platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A Citus cluster for the scale-out tests: a coordinator and two workers on loopback, each a PostgreSQL 15 server
 * from Debian's binaries with the Citus extension built from {@code ../shared/citus} (see {@code .ci/run}). Started
 * once per JVM on first use, data under {@code target/citus}, stopped by a shutdown hook (and a cluster left behind
 * by a killed JVM is stopped before the next one starts). Logins are scram-sha-256 as everywhere; the nodes reach
 * each other with the passwords in {@code pg_dist_authinfo}.
 *
 * <p>Where Citus is not installed the tests that need it are skipped with a message saying so, except in CI
 * ({@code CI=true}), where a missing Citus fails them.
 */
public final class CitusCluster {
    public static final Path PG15 = Path.of("/usr/lib/postgresql/15");
    private static final Path CITUS_LIBRARY = PG15.resolve("lib/citus.so");
    private static final String SUPERUSER = "postgres";
    private static final Duration PG_CTL_TIMEOUT = Duration.ofSeconds(120);
    private static final String[] NODES = {"coordinator", "worker1", "worker2"};
    public static final String OWNER = "colloquy_owner";
    public static final String APP = "colloquy_app";

    private static @Nullable CitusCluster shared;
    private static @Nullable RuntimeException failedStart;

    private final OsUser user = OsUser.current();
    private final Path base;
    private final String superuserPassword;
    private final String ownerPassword;
    private final String appPassword;
    private final int[] ports = new int[NODES.length];

    private CitusCluster(Path base) {
        this.base = base;
        this.superuserPassword = secret();
        this.ownerPassword = secret();
        this.appPassword = secret();
    }

    /** True when Debian's PostgreSQL 15 and the Citus extension are installed here. */
    public static boolean installed() {
        return Files.isRegularFile(CITUS_LIBRARY) && Files.isExecutable(PG15.resolve("bin/pg_ctl"));
    }

    /**
     * The cluster of this JVM, started on first use. Skips the calling test where Citus is not installed, fails it
     * in CI.
     */
    public static synchronized CitusCluster require() {
        if (!installed()) {
            String message = "Citus is not installed (" + CITUS_LIBRARY + " is missing): the scale-out tests need "
                    + "Debian's postgresql-15 and Citus built from ../shared/citus (see .ci/run)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(message);
            }
            Assumptions.abort(message);
        }
        if (failedStart != null) {
            throw failedStart;
        }
        if (shared == null) {
            CitusCluster cluster = new CitusCluster(Path.of("target", "citus").toAbsolutePath());
            try {
                cluster.start();
            } catch (RuntimeException e) {
                cluster.stop();
                failedStart = e;
                throw e;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::stop, "citus-cluster-stop"));
            shared = cluster;
        }
        return shared;
    }

    public String jdbcUrl(int node, String database) {
        return "jdbc:postgresql://127.0.0.1:" + ports[node] + "/" + database + "?sslmode=disable";
    }

    /** The coordinator's colloquy database without parameters (the server adds its own). */
    public String plainCoordinatorUrl() {
        return "jdbc:postgresql://127.0.0.1:" + ports[0] + "/colloquy";
    }

    public String coordinatorUrl() {
        return jdbcUrl(0, "colloquy");
    }

    public String ownerPassword() {
        return ownerPassword;
    }

    public String appPassword() {
        return appPassword;
    }

    /** The nodes' superuser on node {@code node} (0 = coordinator) in the colloquy database. */
    public Connection superuser(int node) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(node, "colloquy"), SUPERUSER, superuserPassword);
    }

    public Connection app(int node) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(node, "colloquy") + "&currentSchema=colloquy", APP, appPassword);
    }

    public Connection owner(int node) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(node, "colloquy") + "&currentSchema=colloquy", OWNER, ownerPassword);
    }

    /** Settings that point a Colloquy server at the coordinator (the external-database mode). */
    public List<String> serverArguments() {
        return List.of(
                "--colloquy.database.url=" + jdbcUrl(0, "colloquy"),
                "--colloquy.database.sslmode=disable",
                "--colloquy.database.owner-password=" + ownerPassword,
                "--colloquy.database.app-password=" + appPassword);
    }

    private void start() {
        try {
            user.ensureServiceAccount();
            stopLeftovers();
            PostgresBinaries.deleteRecursively(base);
            Files.createDirectories(base);
            user.handToServiceAccount(base);
            for (int i = 0; i < NODES.length; i++) {
                ports[i] = freePort();
                initialize(base.resolve(NODES[i]), ports[i]);
            }
            for (int i = 0; i < NODES.length; i++) {
                pgCtl(
                        "start",
                        base.resolve(NODES[i]),
                        "-w",
                        "-t",
                        "90",
                        "-l",
                        base.resolve(NODES[i] + ".log").toString());
            }
            for (int i = 0; i < NODES.length; i++) {
                prepareNode(i);
            }
            try (Connection c = superuser(0);
                    Statement s = c.createStatement()) {
                s.execute("SELECT citus_set_coordinator_host('127.0.0.1', " + ports[0] + ")");
                for (int i = 1; i < NODES.length; i++) {
                    s.execute("SELECT citus_add_node('127.0.0.1', " + ports[i] + ")");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not set up the Citus cluster: " + e.getMessage(), e);
        }
    }

    private void initialize(Path dataDir, int port) throws IOException {
        Path passwordFile = base.resolve("pwfile");
        Files.writeString(passwordFile, superuserPassword + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
        user.handToServiceAccount(passwordFile);
        try {
            Processes.run(
                            user.asServiceUser(List.of(
                                    PG15.resolve("bin/initdb").toString(),
                                    "-D",
                                    dataDir.toString(),
                                    "--auth=scram-sha-256",
                                    "--username=" + SUPERUSER,
                                    "--pwfile=" + passwordFile,
                                    "--encoding=UTF8",
                                    "--locale=C",
                                    "--no-instructions")),
                            PG_CTL_TIMEOUT)
                    .orThrow();
        } finally {
            Files.deleteIfExists(passwordFile);
        }
        // a test cluster: durability is not what these tests check, and the machine is shared
        Files.writeString(
                dataDir.resolve("postgresql.conf"),
                String.join(
                        "\n",
                        "",
                        "shared_preload_libraries = 'citus'",
                        "listen_addresses = '127.0.0.1'",
                        "unix_socket_directories = ''",
                        "port = " + port,
                        "max_connections = 150",
                        "shared_buffers = 32MB",
                        "fsync = off",
                        "synchronous_commit = off",
                        "full_page_writes = off",
                        "max_prepared_transactions = 100",
                        "citus.max_adaptive_executor_pool_size = 4",
                        "citus.shard_count = 8",
                        ""),
                StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);
    }

    /**
     * The database, Citus and the two roles on one node (the same passwords everywhere), and the passwords the
     * nodes log in to each other with.
     */
    private void prepareNode(int node) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl(node, "postgres"), SUPERUSER, superuserPassword);
                Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + OWNER + " LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOBYPASSRLS PASSWORD '"
                    + ownerPassword + "'");
            s.execute(
                    "CREATE ROLE " + APP + " LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOBYPASSRLS NOINHERIT PASSWORD '"
                            + appPassword + "'");
            s.execute("CREATE DATABASE colloquy OWNER " + OWNER + " ENCODING 'UTF8'");
            s.execute("REVOKE ALL ON DATABASE colloquy FROM PUBLIC");
            s.execute("GRANT CONNECT ON DATABASE colloquy TO " + APP);
        }
        try (Connection c = superuser(node);
                Statement s = c.createStatement()) {
            s.execute("CREATE EXTENSION citus");
            for (String[] login : List.of(
                    new String[] {SUPERUSER, superuserPassword},
                    new String[] {OWNER, ownerPassword},
                    new String[] {APP, appPassword})) {
                s.execute("INSERT INTO pg_dist_authinfo (nodeid, rolename, authinfo) VALUES (0, '" + login[0]
                        + "', 'password=" + login[1] + "')");
            }
        }
    }

    /** Stops every node; idempotent (also what the shutdown hook runs). */
    void stop() {
        for (String node : NODES) {
            Path dataDir = base.resolve(node);
            if (Files.isRegularFile(dataDir.resolve("postmaster.pid"))) {
                pgCtlQuietly("stop", dataDir, "-m", "immediate", "-w", "-t", "60");
            }
        }
    }

    /** A JVM killed while its cluster ran leaves postmasters behind: stop them before reusing the folder. */
    private void stopLeftovers() {
        for (String node : NODES) {
            Path dataDir = base.resolve(node);
            if (Files.isRegularFile(dataDir.resolve("postmaster.pid"))) {
                pgCtlQuietly("stop", dataDir, "-m", "immediate", "-w", "-t", "60");
            }
        }
    }

    private void pgCtl(String action, Path dataDir, String... options) {
        List<String> command =
                new ArrayList<>(List.of(PG15.resolve("bin/pg_ctl").toString(), action, "-D", dataDir.toString()));
        command.addAll(List.of(options));
        Processes.run(user.asServiceUser(command), PG_CTL_TIMEOUT).orThrow();
    }

    private void pgCtlQuietly(String action, Path dataDir, String... options) {
        try {
            pgCtl(action, dataDir, options);
        } catch (RuntimeException e) {
            System.err.println("citus cluster: " + e.getMessage());
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String secret() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
