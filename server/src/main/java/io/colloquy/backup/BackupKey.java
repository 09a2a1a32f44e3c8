package io.colloquy.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The key backups are sealed under: a 256-bit key in its own file (0600), never in the archive and never in the data
 * directory. Chosen over a key derived from the master key so that it works alike with a local master key and an HSM
 * (whose key never leaves it), survives master key rotations (an old archive still opens), and can be held by whoever
 * keeps the backups without handing them the master key. Where: {@code --key-file}, else
 * {@code COLLOQUY_BACKUP_KEY_FILE}, else {@code backup.key} in {@code COLLOQUY_MASTER_KEY_DIR}. A backup makes it on
 * first use; a restore never does.
 */
record BackupKey(Path file, byte[] key) {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Where the key file is, from the command's option or the environment. */
    static Path locate(@Nullable String option, Map<String, String> env) {
        if (option != null) {
            return Path.of(option).toAbsolutePath().normalize();
        }
        String configured = env.getOrDefault("COLLOQUY_BACKUP_KEY_FILE", "");
        if (!configured.isBlank()) {
            return Path.of(configured.strip()).toAbsolutePath().normalize();
        }
        String masterKeyDir = env.getOrDefault("COLLOQUY_MASTER_KEY_DIR", "");
        if (!masterKeyDir.isBlank()) {
            return Path.of(masterKeyDir.strip())
                    .resolve("backup.key")
                    .toAbsolutePath()
                    .normalize();
        }
        throw new IllegalArgumentException("Say where the backup key is: --key-file FILE or COLLOQUY_BACKUP_KEY_FILE (a"
                + " file outside the data directory; a backup makes it on first use)");
    }

    /** Reads the key, or makes it (0600) when {@code create} and it does not exist yet. */
    static BackupKey load(Path file, Path dataDir, boolean create) {
        if (file.startsWith(dataDir.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException(
                    "The backup key file " + file + " is inside the data directory: a copy of"
                            + " that directory would hold the key of its own backups. Keep it elsewhere.");
        }
        if (!create && !Files.isRegularFile(file)) {
            throw new IllegalArgumentException("There is no backup key at " + file);
        }
        byte[] key;
        try {
            if (!Files.exists(file)) {
                byte[] fresh = new byte[32];
                RANDOM.nextBytes(fresh);
                Path temp = Files.createTempFile(
                        file.getParent(),
                        "." + file.getFileName(),
                        ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(temp, Base64.getUrlEncoder().withoutPadding().encodeToString(fresh) + "\n");
                try {
                    Files.move(temp, file); // fails rather than replace a key made meanwhile
                } catch (IOException raced) {
                    Files.deleteIfExists(temp);
                    if (!Files.exists(file)) {
                        throw raced;
                    }
                }
            }
            key = Base64.getUrlDecoder().decode(Files.readString(file).strip());
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "Cannot read or create the backup key file " + file + ": " + e.getMessage());
        }
        if (key.length != 32) {
            throw new IllegalArgumentException("The backup key file " + file + " does not hold a 256-bit key");
        }
        return new BackupKey(file, key);
    }
}
