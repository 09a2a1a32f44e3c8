package io.colloquy.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starts real PostgreSQL servers; every test stops what it started and the class checks nothing is left running. */
class EmbeddedPostgresIntegrationTests {

    private static final Path TARGET_DATA_DIRS =
            Path.of("target", "embedded-postgres-tests").toAbsolutePath();
    private static final Path SYSTEM_CLUSTERS = PostgresLayout.SYSTEM_HOME.resolve("clusters");
    private static final Set<String> USED_PATHS = ConcurrentHashMap.newKeySet();

    @TempDir
    Path tempDir;

    private final List<EmbeddedPostgres> servers = new ArrayList<>();
    private final List<Process> childJvms = new ArrayList<>();
    private final List<Path> dataDirs = new ArrayList<>();

    @Test
    void startsServerThatAcceptsOnlyScramOnLoopback() throws Exception {
        Path target = newTargetDataDir();
        // when the checkout itself sits in a 0700 directory (as root), even target/ is out of the service account's
        // reach
        assertScramOnLoopback(target, !isRoot() || reachableByOthers(target.getParent()));
        // JUnit's temp dirs are 0700: as root the cluster must move to where the service account can reach it
        assertScramOnLoopback(tempDir.resolve("data"), !isRoot());
    }

    @Test
    void postgresProcessesDoNotRunAsRootWhenJvmIsRoot() throws Exception {
        assumeTrue(isRoot(), "the JVM does not run as root");
        for (Path dataDir : List.of(newTargetDataDir(), tempDir.resolve("data"))) {
            EmbeddedPostgres postgres = start(dataDir);
            long postmaster = postmasterPid(postgres.clusterDir());
            try (Connection connection = connect(postgres, postgres.superuserPassword())) {
                long backend = Long.parseLong(query(connection, "SELECT pg_backend_pid()"));
                List<Long> pids = Stream.concat(
                                Stream.of(postmaster, backend),
                                ProcessHandle.of(postmaster)
                                        .orElseThrow()
                                        .children()
                                        .map(ProcessHandle::pid))
                        .toList();
                // auxiliary processes (autovacuum workers, ...) come and go: judge those that still exist
                Map<Long, List<Long>> uidsByPid = new LinkedHashMap<>();
                for (long pid : pids) {
                    uids(pid).ifPresent(uids -> uidsByPid.put(pid, uids));
                }
                assertThat(uidsByPid).containsKeys(postmaster, backend);
                uidsByPid.forEach((pid, uids) ->
                        assertThat(uids).as("uids of pid %d", pid).isNotEmpty().doesNotContain(0L));
                // a superuser's COPY TO runs with the server's uid, so it cannot write into root's 0700 folder
                Path target = tempDir.resolve("written-by-postgres");
                assertThatThrownBy(() -> execute(connection, "COPY (SELECT 1) TO '" + target + "'"))
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("Permission denied");
                assertThat(target).doesNotExist();
            }
            assertThat(Files.getOwner(postgres.clusterDir()).getName()).isEqualTo(OsUser.SERVICE_ACCOUNT);
            postgres.close();
        }
    }

    @Test
    void restartReusesClusterAndPassword() throws Exception {
        Path dataDir = newTargetDataDir();
        EmbeddedPostgres first = start(dataDir);
        String password = first.superuserPassword();
        try (Connection connection = connect(first, password)) {
            execute(connection, "CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)");
            execute(connection, "INSERT INTO notes VALUES (1, 'kept across restarts')");
        }
        long firstPostmaster = postmasterPid(first.clusterDir());
        first.close();
        first.close(); // idempotent
        assertThat(Processes.isAlive(firstPostmaster)).isFalse();
        assertThat(first.clusterDir().resolve("postmaster.pid")).doesNotExist();
        assertThat(dataDir.resolve("postgres.owner")).doesNotExist();

        EmbeddedPostgres second = start(dataDir);
        assertThat(second.owned()).isTrue();
        assertThat(second.superuserPassword()).isEqualTo(password);
        try (Connection connection = connect(second, password)) {
            assertThat(query(connection, "SELECT body FROM notes WHERE id = 1")).isEqualTo("kept across restarts");
        }
        second.close();
    }

    @Test
    void sharesServerOfAnotherLiveJvm() throws Exception {
        Path dataDir = newTargetDataDir();
        Process child = startChildJvm(dataDir);
        int port = awaitReady(child).port();

        EmbeddedPostgres attached = start(dataDir);
        assertThat(attached.owned()).isFalse();
        assertThat(attached.port()).isEqualTo(port);
        long postmaster = postmasterPid(attached.clusterDir());
        attached.close(); // not ours: must not stop it
        assertThat(Processes.isAlive(postmaster)).isTrue();
        try (Connection connection = connect(attached, attached.superuserPassword())) {
            assertThat(query(connection, "SELECT 1")).isEqualTo("1");
        }
        stopChildJvm(child);
        await(Duration.ofSeconds(30), () -> !Processes.isAlive(postmaster), "postmaster stopped by its owner");
    }

    @Test
    void takesOverServerLeftRunningByKilledJvm() throws Exception {
        Path dataDir = newTargetDataDir();
        Process child = startChildJvm(dataDir);
        Ready ready = awaitReady(child);
        int port = ready.port();
        String password = readPassword(dataDir);
        try (Connection connection = connect(port, password)) {
            execute(connection, "CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)");
            execute(connection, "INSERT INTO notes VALUES (1, 'survives kill -9')");
        }
        long orphan = postmasterPid(ready.clusterDir());

        child.destroyForcibly().waitFor();
        EmbeddedPostgres postgres = start(dataDir);

        assertThat(postgres.owned()).isTrue();
        assertThat(Processes.isAlive(orphan)).isFalse();
        assertThat(postmasterPid(postgres.clusterDir())).isNotEqualTo(orphan);
        Thread.sleep(3_000); // the dead JVM's watchdog must not stop the new server
        try (Connection connection = connect(postgres, password)) {
            assertThat(query(connection, "SELECT body FROM notes WHERE id = 1")).isEqualTo("survives kill -9");
        }
        postgres.close();
    }

    @Test
    void watchdogStopsServerWhenOwningJvmIsKilled() throws Exception {
        Path dataDir = newTargetDataDir();
        Process child = startChildJvm(dataDir);
        Ready ready = awaitReady(child);
        long postmaster = postmasterPid(ready.clusterDir());
        long watchdog = Long.parseLong(
                Files.readString(dataDir.resolve("postgres.watchdog")).strip());
        assertThat(Processes.isAlive(watchdog)).isTrue();

        child.destroyForcibly().waitFor();

        await(Duration.ofSeconds(15), () -> !Processes.isAlive(postmaster), "postmaster stopped by the watchdog");
        await(Duration.ofSeconds(5), () -> !Processes.isAlive(watchdog), "watchdog exited");
        assertThat(ready.clusterDir().resolve("postmaster.pid")).doesNotExist();
    }

    @Test
    void secretsAreOwnerOnly() throws Exception {
        Path dataDir = newTargetDataDir();
        EmbeddedPostgres postgres = start(dataDir);
        Path passwordFile = dataDir.resolve("secrets/postgres-superuser.password");

        assertThat(permissions(dataDir.resolve("secrets"))).isEqualTo("rwx------");
        assertThat(permissions(passwordFile)).isEqualTo("rw-------");
        assertThat(Files.readString(passwordFile).strip())
                .isEqualTo(postgres.superuserPassword())
                .hasSize(43); // 32 bytes, base64url without padding
        assertThat(permissions(postgres.clusterDir())).isEqualTo("rwx------");
        assertThat(postgres.installDir().getFileName().toString()).matches("postgres-17\\.7\\.0-[0-9a-f]{16}");
        assertThat(permissions(postgres.installDir().resolve("bin/postgres"))).isEqualTo("rwxr-xr-x");
        assertThat(permissions(postgres.installDir().resolve("share/postgresql/postgres.bki")))
                .isEqualTo("rw-r--r--");
        String me = System.getProperty("user.name");
        try (Stream<Path> paths =
                Stream.concat(Stream.of(postgres.installDir().getParent()), Files.walk(postgres.installDir()))) {
            for (Path path : paths.filter(path -> !Files.isSymbolicLink(path)).toList()) {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
                assertThat(permissions)
                        .as(path.toString())
                        .doesNotContain(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
                assertThat(Files.getOwner(path, LinkOption.NOFOLLOW_LINKS).getName())
                        .as(path.toString())
                        .isEqualTo(me);
            }
        }
        postgres.close();
        assertThat(Files.readString(postgres.logFile())).doesNotContain(postgres.superuserPassword());
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (Process child : childJvms) {
            stopChildJvm(child);
        }
        for (EmbeddedPostgres server : servers.reversed()) {
            server.close();
        }
        await(Duration.ofSeconds(20), () -> runningWith(USED_PATHS).isEmpty(), "no process left behind");
        for (EmbeddedPostgres server : servers) {
            if (server.clusterDir().startsWith(SYSTEM_CLUSTERS)) {
                PostgresBinaries.deleteRecursively(server.clusterDir().getParent());
            }
        }
        for (Path dataDir : dataDirs) {
            PostgresBinaries.deleteRecursively(dataDir);
        }
    }

    @AfterAll
    static void leavesNoProcessBehind() {
        assertThat(runningWith(USED_PATHS)).isEmpty();
    }

    private void assertScramOnLoopback(Path dataDir, boolean clusterInDataDir) throws SQLException {
        EmbeddedPostgres postgres = start(dataDir);
        assertThat(postgres.owned()).isTrue();
        assertThat(postgres.host()).isEqualTo("127.0.0.1");
        assertThat(postgres.superuser()).isEqualTo("postgres");
        assertThat(postgres.jdbcUrl("colloquy"))
                .isEqualTo("jdbc:postgresql://127.0.0.1:" + postgres.port() + "/colloquy");
        if (clusterInDataDir) {
            assertThat(postgres.clusterDir()).isEqualTo(dataDir.toAbsolutePath().resolve("postgres"));
        } else {
            assertThat(postgres.clusterDir()).startsWith(SYSTEM_CLUSTERS);
        }
        try (Connection connection = connect(postgres, postgres.superuserPassword())) {
            assertThat(show(connection, "fsync")).isEqualTo("on");
            assertThat(show(connection, "synchronous_commit")).isEqualTo("on");
            assertThat(show(connection, "full_page_writes")).isEqualTo("on");
            assertThat(show(connection, "listen_addresses")).isEqualTo("127.0.0.1");
            assertThat(show(connection, "unix_socket_directories")).isEmpty();
            assertThat(show(connection, "password_encryption")).isEqualTo("scram-sha-256");
            assertThat(query(connection, "SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = 'postgres'"))
                    .isEqualTo("SCRAM-SHA-256$");
            assertThat(query(
                            connection,
                            "SELECT count(*) FROM pg_hba_file_rules"
                                    + " WHERE auth_method IS DISTINCT FROM 'scram-sha-256' OR error IS NOT NULL"))
                    .isEqualTo("0");
        }
        assertThatThrownBy(() -> connect(postgres, "wrong-" + postgres.superuserPassword())
                        .close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("password authentication failed");
        postgres.close();
    }

    private EmbeddedPostgres start(Path dataDir) {
        if (!dataDirs.contains(dataDir)) {
            dataDirs.add(dataDir);
        }
        EmbeddedPostgres postgres = EmbeddedPostgres.start(dataDir);
        servers.add(postgres);
        USED_PATHS.add(postgres.clusterDir().toString());
        return postgres;
    }

    private Path newTargetDataDir() throws IOException {
        Files.createDirectories(TARGET_DATA_DIRS);
        Path dataDir =
                TARGET_DATA_DIRS.resolve("data-" + UUID.randomUUID().toString().substring(0, 8));
        dataDirs.add(dataDir);
        return dataDir;
    }

    private Process startChildJvm(Path dataDir) throws IOException {
        USED_PATHS.add(dataDir.resolve("postgres").toString());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process child = new ProcessBuilder(
                        java, "-Xmx256m", "-cp", classpath, EmbeddedPostgresMain.class.getName(), dataDir.toString())
                .redirectErrorStream(true)
                .start();
        childJvms.add(child);
        return child;
    }

    /** What a child JVM reports once its server is up: the port and where the launcher put the cluster. */
    private record Ready(int port, Path clusterDir) {}

    private static Ready awaitReady(Process child) throws Exception {
        List<String> output = new CopyOnWriteArrayList<>();
        CompletableFuture<Ready> port = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader reader = child.inputReader(StandardCharsets.UTF_8)) {
                String line;
                while ((line = reader.readLine()) != null) {
                    output.add(line);
                    if (line.startsWith("READY ")) {
                        String[] parts =
                                line.substring("READY ".length()).strip().split(" ", 2);
                        USED_PATHS.add(parts[1]);
                        port.complete(new Ready(Integer.parseInt(parts[0]), Path.of(parts[1])));
                    }
                }
            } catch (IOException ignored) {
                // the child went away
            }
            port.completeExceptionally(new IllegalStateException("child JVM ended without READY"));
        });
        try {
            return port.get(3, TimeUnit.MINUTES);
        } catch (Exception e) {
            return fail("child JVM did not become ready: " + e + "\n" + String.join("\n", output));
        }
    }

    private static void stopChildJvm(Process child) throws InterruptedException {
        child.destroy(); // SIGTERM: the shutdown hook stops its server
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
            child.destroyForcibly().waitFor();
        }
    }

    private static String readPassword(Path dataDir) throws IOException {
        return Files.readString(dataDir.resolve("secrets/postgres-superuser.password"))
                .strip();
    }

    private static long postmasterPid(Path clusterDir) throws IOException {
        return Long.parseLong(Files.readAllLines(clusterDir.resolve("postmaster.pid"))
                .getFirst()
                .strip());
    }

    /** Real, effective, saved and filesystem uid of a process; empty if it has exited meanwhile. */
    private static Optional<List<Long>> uids(long pid) throws IOException {
        List<String> status;
        try {
            status = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
        } catch (NoSuchFileException exited) {
            return Optional.empty();
        }
        return Optional.of(status.stream()
                .filter(line -> line.startsWith("Uid:"))
                .flatMap(line -> Arrays.stream(line.substring(4).strip().split("\\s+")))
                .map(Long::parseLong)
                .toList());
    }

    private static List<String> runningWith(Set<String> paths) {
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .filter(process -> Processes.isAlive(process.pid()))
                .map(process -> process.info().commandLine().orElse(""))
                .filter(line -> paths.stream().anyMatch(line::contains))
                .toList();
    }

    private static Connection connect(EmbeddedPostgres postgres, String password) throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl("postgres"), postgres.superuser(), password);
    }

    private static Connection connect(int port, String password) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", password);
    }

    private static String show(Connection connection, String setting) throws SQLException {
        return query(connection, "SHOW " + setting);
    }

    private static String query(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            assertThat(result.next()).as(sql).isTrue();
            return result.getString(1);
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static String permissions(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }

    private static boolean reachableByOthers(Path dir) throws IOException {
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isRoot() {
        return OsUser.current().root();
    }

    private static void await(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout + " waiting for: " + what + "; still running: "
                        + runningWith(USED_PATHS));
            }
            Thread.sleep(200);
        }
    }
}
