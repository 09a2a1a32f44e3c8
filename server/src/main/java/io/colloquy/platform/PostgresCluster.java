package io.colloquy.platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One PostgreSQL cluster driven through {@code initdb} and {@code pg_ctl}, always as the service account. */
record PostgresCluster(OsUser user, Path installDir, PostgresLayout layout) {

    static final String SUPERUSER = "postgres";
    private static final Logger log = LoggerFactory.getLogger(PostgresCluster.class);
    private static final String PASSWORD_DIR_PREFIX = ".initdb-secret-";
    private static final Duration INITDB_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration PG_CTL_TIMEOUT = Duration.ofSeconds(90);
    private static final String SERVER_OPTIONS = String.join(
            " ",
            "-c listen_addresses=127.0.0.1",
            "-c unix_socket_directories=''",
            "-c fsync=on",
            "-c synchronous_commit=on",
            "-c full_page_writes=on",
            "-c max_connections=200",
            "-c shared_buffers=128MB");

    /** A live postmaster as described by its {@code postmaster.pid}. */
    record Postmaster(long pid, int port) {}

    boolean initialized() {
        return Files.isRegularFile(layout.clusterDir().resolve("PG_VERSION"));
    }

    /**
     * Runs initdb into a staging sibling that is renamed into place once complete, so an interrupted initdb never
     * leaves a half-made cluster behind. The password reaches initdb through a 0600 file in a 0700 folder owned by
     * the service account, deleted right after.
     */
    void initialize(String password) {
        Path cluster = layout.clusterDir();
        Path staging = cluster.resolveSibling(cluster.getFileName() + ".initdb");
        try {
            PostgresBinaries.deleteRecursively(staging);
            deleteLeftoverPasswordDirs(cluster.getParent());
            Files.createDirectory(
                    staging, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            user.handToServiceAccount(staging);
            Path passwordDir = Files.createTempDirectory(cluster.getParent(), PASSWORD_DIR_PREFIX);
            try {
                user.handToServiceAccount(passwordDir);
                Path passwordFile = passwordDir.resolve("pwfile");
                Files.createFile(
                        passwordFile,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(passwordFile, password + "\n", StandardCharsets.UTF_8);
                user.handToServiceAccount(passwordFile);
                runInitdb(staging, passwordFile);
            } finally {
                PostgresBinaries.deleteRecursively(passwordDir);
            }
            Files.move(staging, cluster, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not initialise PostgreSQL cluster " + cluster, e);
        }
        log.info("Initialised PostgreSQL cluster in {} (scram-sha-256 authentication)", cluster);
    }

    Processes.Result start(int port) {
        return Processes.run(
                user.asServiceUser(List.of(
                        binary("pg_ctl"),
                        "start",
                        "-w",
                        "-t",
                        "60",
                        "-D",
                        layout.clusterDir().toString(),
                        "-l",
                        layout.logFile().toString(),
                        "-o",
                        SERVER_OPTIONS + " -c port=" + port)),
                PG_CTL_TIMEOUT);
    }

    Processes.Result stop() {
        return Processes.run(stopCommand(), PG_CTL_TIMEOUT);
    }

    List<String> stopCommand() {
        return user.asServiceUser(List.of(
                binary("pg_ctl"), "stop", "-D", layout.clusterDir().toString(), "-m", "fast", "-w", "-t", "60"));
    }

    /**
     * The postmaster named by {@code postmaster.pid}, if it is alive. A pid file naming a live process that is not
     * PostgreSQL (pid reuse after a reboot) is removed, since PostgreSQL itself would refuse to start.
     */
    Optional<Postmaster> runningPostmaster() {
        Path pidFile = layout.postmasterPidFile();
        List<String> lines = readLines(pidFile);
        if (lines.size() < 4) {
            return Optional.empty();
        }
        long pid;
        int port;
        try {
            pid = Long.parseLong(lines.getFirst().strip());
            port = Integer.parseInt(lines.get(3).strip());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (!Processes.isAlive(pid)) {
            return Optional.empty(); // stale: PostgreSQL cleans it up itself
        }
        if (Processes.executable(pid)
                .filter(command -> !command.endsWith("/postgres"))
                .isPresent()) {
            log.warn("Removing stale {} naming pid {}, which is not PostgreSQL", pidFile, pid);
            deleteQuietly(pidFile);
            return Optional.empty();
        }
        return Optional.of(new Postmaster(pid, port));
    }

    List<String> logTail() {
        return Processes.tailOf(layout.logFile());
    }

    private void runInitdb(Path dataDir, Path passwordFile) {
        Processes.run(
                        user.asServiceUser(List.of(
                                binary("initdb"),
                                "-D",
                                dataDir.toString(),
                                "--auth=scram-sha-256",
                                "--username=" + SUPERUSER,
                                "--pwfile=" + passwordFile,
                                "--encoding=UTF8",
                                "--locale=C",
                                "--no-instructions")),
                        INITDB_TIMEOUT)
                .orThrow();
    }

    /** A JVM killed during initdb leaves its password folder behind; the service account must not keep it. */
    private static void deleteLeftoverPasswordDirs(Path parent) throws IOException {
        try (Stream<Path> children = Files.list(parent)) {
            for (Path dir : children.filter(
                            child -> child.getFileName().toString().startsWith(PASSWORD_DIR_PREFIX))
                    .toList()) {
                PostgresBinaries.deleteRecursively(dir);
            }
        }
    }

    private String binary(String name) {
        return installDir.resolve("bin").resolve(name).toString();
    }

    private static List<String> readLines(Path file) {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", file, e.getMessage());
        }
    }
}
