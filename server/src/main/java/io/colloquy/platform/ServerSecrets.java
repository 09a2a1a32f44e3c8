package io.colloquy.platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Secrets the server generates on first start and keeps in {@code <data dir>/secrets/} (0700 folder,
 * 0600 files). Their values are never logged; only their paths are printed.
 */
public final class ServerSecrets {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Path dir;

    public ServerSecrets(Path dataDir) {
        this.dir = dataDir.toAbsolutePath().normalize().resolve("secrets");
    }

    private ServerSecrets(Path dir, boolean exact) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    /** Secrets kept in {@code dir} itself (e.g. the master key outside the data directory). */
    public static ServerSecrets inDirectory(Path dir) {
        return new ServerSecrets(dir, true);
    }

    public Path path(String name) {
        return dir.resolve(name);
    }

    /** The secret stored under {@code name}, generated (32 random bytes, base64url) if it does not exist yet. */
    public String getOrCreate(String name) {
        return getOrCreateWith(name, () -> {
            byte[] bytes = new byte[32];
            RANDOM.nextBytes(bytes);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        });
    }

    /** A generator of a new secret's text. */
    public interface Generator {
        String generate() throws java.security.GeneralSecurityException;
    }

    /** The secret stored under {@code name}, made by {@code generator} (and stored 0600) if it does not exist yet. */
    public String getOrCreateWith(String name, Generator generator) {
        Path file = path(name);
        try {
            ensureDir();
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.UTF_8).strip();
            }
            String value = generator.generate();
            Path tmp = Files.createTempFile(
                    dir,
                    name,
                    ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, value + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
            try {
                Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException raced) {
                Files.deleteIfExists(tmp);
                throw raced;
            }
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read or create the secret file " + file, e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("Cannot generate the secret " + name, e);
        }
    }

    private void ensureDir() throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
}
