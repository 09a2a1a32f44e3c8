package io.colloquy.platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where everything of the embedded PostgreSQL lives, with the permissions each place must have.
 *
 * <p>Normally all of it is under the data directory: {@code runtime/} (binaries), {@code postgres/} (cluster),
 * {@code logs/}, {@code secrets/}. A root JVM whose data directory the service account cannot reach (a 0700 home or
 * temp folder) keeps the cluster under {@value #SYSTEM_HOME}{@code /clusters/<hash of the data directory>/} and the
 * binaries under {@value #SYSTEM_HOME}{@code /runtime/} instead; secrets and the owner file stay in the data directory.
 */
record PostgresLayout(Path dataDir, Path runtimeDir, Path clusterDir, Path logFile, Path secretsDir) {

    static final Path SYSTEM_HOME = Path.of("/var/lib/colloquy");
    private static final Logger log = LoggerFactory.getLogger(PostgresLayout.class);
    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> PUBLIC_DIR = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> TRAVERSE_ONLY_DIR = PosixFilePermissions.fromString("rwx--x--x");
    private static final SecureRandom RANDOM = new SecureRandom();

    static PostgresLayout prepare(Path dataDir, OsUser user) {
        Path data = dataDir.toAbsolutePath().normalize();
        requireShellSafe(data); // pg_ctl pastes the data directory into a shell command line
        try {
            createIfMissing(data, user.root() ? TRAVERSE_ONLY_DIR : PRIVATE_DIR);
            Path secrets = ensureDirectory(data.resolve("secrets"), PRIVATE_DIR);
            user.ensureServiceAccount();
            if (user.serviceAccountCanTraverse(data)) {
                Path logs = ensureDirectory(data.resolve("logs"), PRIVATE_DIR);
                user.handToServiceAccount(logs);
                Path runtime = ensureDirectory(data.resolve("runtime"), PUBLIC_DIR);
                return new PostgresLayout(
                        data, runtime, data.resolve("postgres"), logs.resolve("postgres.log"), secrets);
            }
            return inSystemHome(data, secrets, user);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not prepare " + data, e);
        }
    }

    Path passwordFile() {
        return secretsDir.resolve("postgres-superuser.password");
    }

    Path ownerFile() {
        return dataDir.resolve("postgres.owner");
    }

    Path watchdogFile() {
        return dataDir.resolve("postgres.watchdog");
    }

    Path lockFile() {
        return dataDir.resolve("postgres.lock");
    }

    Path postmasterPidFile() {
        return clusterDir.resolve("postmaster.pid");
    }

    /** The superuser password: read back, or generated (32 random bytes, base64url) and stored 0600 on first use. */
    String superuserPassword(boolean clusterExists) {
        Path file = passwordFile();
        try {
            if (Files.exists(file)) {
                Files.setPosixFilePermissions(file, PRIVATE_FILE);
                return Files.readString(file, StandardCharsets.UTF_8).strip();
            }
            if (clusterExists) {
                throw new IllegalStateException("The PostgreSQL cluster " + clusterDir + " exists but its superuser"
                        + " password file " + file + " is missing; restore it or remove the cluster");
            }
            byte[] bytes = new byte[32];
            RANDOM.nextBytes(bytes);
            String password = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            writePrivately(file, password + "\n");
            return password;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read or create " + file, e);
        }
    }

    Optional<Long> readPid(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return lines.isEmpty()
                    ? Optional.empty()
                    : Optional.of(Long.parseLong(lines.getFirst().strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    void writePid(Path file, long pid) {
        try {
            writePrivately(file, pid + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + file, e);
        }
    }

    /** Deletes a pid file only while it still names {@code pid} (another JVM may have taken over). */
    void deletePidIfMine(Path file, long pid) {
        if (readPid(file).filter(owner -> owner == pid).isPresent()) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                log.warn("Could not delete {}: {}", file, e.getMessage());
            }
        }
    }

    static Path ensureDirectory(Path dir, Set<PosixFilePermission> permissions) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, permissions);
        return dir;
    }

    private static PostgresLayout inSystemHome(Path data, Path secrets, OsUser user) throws IOException {
        Path home = ensureDirectory(SYSTEM_HOME, PUBLIC_DIR);
        if (!"root".equals(Files.getOwner(home, LinkOption.NOFOLLOW_LINKS).getName())) {
            throw new IllegalStateException(SYSTEM_HOME + " must be owned by root");
        }
        Path clusters = ensureDirectory(home.resolve("clusters"), TRAVERSE_ONLY_DIR);
        Path clusterHome = clusters.resolve(sha256Prefix(data.toString()));
        setAsideOrphan(clusterHome, secrets);
        clusterHome = ensureDirectory(clusterHome, PRIVATE_DIR);
        user.handToServiceAccount(clusterHome);
        Path runtime = ensureDirectory(home.resolve("runtime"), PUBLIC_DIR);
        log.info(
                "Data directory {} is not reachable by the '{}' system account; PostgreSQL cluster placed in {}",
                data,
                OsUser.SERVICE_ACCOUNT,
                clusterHome);
        return new PostgresLayout(
                data, runtime, clusterHome.resolve("postgres"), clusterHome.resolve("postgres.log"), secrets);
    }

    /**
     * A cluster kept here belongs to a data directory at this path. If that data directory was deleted and
     * made again, its superuser password went with it and the old cluster can never be opened: it is
     * renamed aside (never deleted) so a fresh one can be made, and the log says where it went.
     */
    private static void setAsideOrphan(Path clusterHome, Path secrets) throws IOException {
        Path cluster = clusterHome.resolve("postgres");
        if (!Files.isDirectory(cluster) || Files.exists(secrets.resolve("postgres-superuser.password"))) {
            return;
        }
        Path pidFile = cluster.resolve("postmaster.pid");
        if (Files.exists(pidFile)) {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            if (!lines.isEmpty()
                    && Processes.isAlive(Long.parseLong(lines.getFirst().strip()))) {
                throw new IllegalStateException("The PostgreSQL cluster " + cluster + " is running but its data"
                        + " directory has no superuser password: stop it first");
            }
        }
        Path aside = clusterHome.resolveSibling(clusterHome.getFileName() + ".orphaned-" + System.currentTimeMillis());
        Files.move(clusterHome, aside, StandardCopyOption.ATOMIC_MOVE);
        log.warn(
                "The PostgreSQL cluster {} belonged to an earlier data directory at this path whose password is"
                        + " gone; it was moved to {} and a new cluster is created",
                cluster,
                aside);
    }

    private static void createIfMissing(Path dir, Set<PosixFilePermission> permissions) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, permissions);
        }
    }

    /** Writes a 0600 file atomically: a private temporary sibling, synced, then renamed over the target. */
    private static void writePrivately(Path file, String content) throws IOException {
        Path temp = Files.createTempFile(
                file.getParent(),
                "." + file.getFileName() + ".",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void requireShellSafe(Path dir) {
        if (!dir.toString().matches("[^\"$`\\\\\\p{Cntrl}]+")) {
            throw new IllegalArgumentException("Data directory path must not contain \" $ ` \\ or control characters"
                    + " (pg_ctl passes it to a shell in double quotes): " + dir);
        }
    }

    private static String sha256Prefix(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
