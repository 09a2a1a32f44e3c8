package io.colloquy.crypto;

import io.colloquy.platform.ColloquySettings;
import io.colloquy.platform.ServerSecrets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import javax.crypto.KDF;
import javax.crypto.SecretKey;
import javax.crypto.spec.HKDFParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in KEK: AES-256-GCM under a key derived (HKDF-SHA256, "kek/v1") from a master key —
 * {@code COLLOQUY_MASTER_KEY}, or {@code <data dir>/secrets/master.key} (0600, generated on first
 * start). Each master is known by a fingerprint ({@code local-master/<16 hex>}) stored beside every key
 * it wraps, so several can be in use at once: during a rotation ({@code master.key.next}) and after it
 * ({@code master.key.retired-*}, kept until the operator removes it). Key files are re-read when an
 * unknown fingerprint shows up, so a running server follows a rotation made by the command line.
 * The key files can live outside the data directory ({@code COLLOQUY_MASTER_KEY_DIR}); the server warns
 * at start when they are inside it (a copy of the data directory would then hold the key with the data).
 */
final class LocalMasterKey implements KeyEncryptionKeyProvider, MasterKeyRotation {
    private static final Logger log = LoggerFactory.getLogger(LocalMasterKey.class);
    static final String CURRENT = "master.key";
    static final String NEXT = "master.key.next";
    static final String RETIRED = "master.key.retired-";
    private final ServerSecrets secrets;
    private final byte @Nullable [] configured;
    private volatile Keys keys;

    private record Keys(String currentId, Map<String, SecretKey> byId) {}

    LocalMasterKey(ColloquySettings settings, String configured, String keyDir) {
        this.secrets = keyDir.isBlank()
                ? new ServerSecrets(settings.dataDir())
                : ServerSecrets.inDirectory(Path.of(keyDir.strip()));
        this.configured = configured.isBlank() ? null : Base64.getDecoder().decode(configured.strip());
        if (this.configured != null && this.configured.length != 32) {
            throw new IllegalArgumentException("COLLOQUY_MASTER_KEY must be base64 of exactly 32 bytes");
        }
        this.keys = load();
        if (this.configured == null && inside(secrets.path(CURRENT), settings.dataDir())) {
            log.warn(
                    "The master key file {} lives inside the data directory {}: a copy of that directory (a backup, a"
                            + " disk image) holds both the encrypted data and the key that opens it. Keep it elsewhere"
                            + " (COLLOQUY_MASTER_KEY_DIR) or in an HSM (COLLOQUY_KEK=pkcs11); see docs/encryption.md.",
                    secrets.path(CURRENT),
                    settings.dataDir().toAbsolutePath().normalize());
        }
    }

    /**
     * The local master key of an installation that moved its KEK elsewhere (an HSM), to unwrap what is still
     * wrapped under it; empty when there is none (never made here).
     */
    static Optional<LocalMasterKey> existing(ColloquySettings settings, String configured, String keyDir) {
        ServerSecrets secrets = keyDir.isBlank()
                ? new ServerSecrets(settings.dataDir())
                : ServerSecrets.inDirectory(Path.of(keyDir.strip()));
        if (configured.isBlank() && !Files.exists(secrets.path(CURRENT))) {
            return Optional.empty();
        }
        log.info("A local master key is still configured: project keys wrapped under it keep unwrapping; run"
                + " './colloquy keys rotate-master' to rewrap them all in the new KEK, then remove it");
        return Optional.of(new LocalMasterKey(settings, configured, keyDir));
    }

    private static boolean inside(Path file, Path dir) {
        return real(file).startsWith(real(dir));
    }

    /** The path with every existing part's symbolic links resolved (so a link into the data dir counts). */
    private static Path real(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        try {
            return existing == null ? absolute : existing.toRealPath().resolve(existing.relativize(absolute));
        } catch (IOException e) {
            return absolute;
        }
    }

    @Override
    public Wrapped wrap(byte[] key, Aad context) {
        Keys current = load(); // a rotation may have finished since: always wrap under the newest master
        keys = current;
        return new Wrapped(
                current.currentId(), WrappedKeys.wrap(current.byId().get(current.currentId()), key, context));
    }

    @Override
    public byte[] unwrap(String kekId, byte[] wrapped, Aad context) {
        SecretKey kek = keys.byId().get(kekId);
        if (kek == null) {
            keys = load();
            kek = keys.byId().get(kekId);
        }
        if (kek == null) {
            throw IntegrityError.of(
                    "a wrapped project key",
                    "no master key with id " + kekId + " is available (missing or wrong master key)");
        }
        return WrappedKeys.unwrap(kek, wrapped, context);
    }

    @Override
    public String prepareRotation() {
        requireFileManaged();
        secrets.getOrCreate(NEXT);
        keys = load();
        return idOf(readFile(NEXT));
    }

    @Override
    public Wrapped rewrapToNext(String kekId, byte[] wrapped, Aad context) {
        return rewrapTo(NEXT, kekId, wrapped, context);
    }

    @Override
    public Wrapped rewrapToCurrent(String kekId, byte[] wrapped, Aad context) {
        return rewrapTo(CURRENT, kekId, wrapped, context);
    }

    /** Rewraps one wrapped key under the master key kept in {@code file} ({@link #NEXT} or {@link #CURRENT}). */
    private Wrapped rewrapTo(String file, String kekId, byte[] wrapped, Aad context) {
        byte[] target = readFile(file);
        String targetId = idOf(target);
        if (targetId.equals(kekId)) {
            return new Wrapped(kekId, wrapped);
        }
        byte[] raw = unwrap(kekId, wrapped, context);
        return new Wrapped(targetId, WrappedKeys.wrap(kek(target), raw, context));
    }

    /** Makes the next master key current; the old one stays, retired, until the operator removes it. */
    @Override
    public String finishRotation() {
        requireFileManaged();
        Path retired = secrets.path(RETIRED + System.currentTimeMillis());
        try {
            Files.move(secrets.path(CURRENT), retired, StandardCopyOption.ATOMIC_MOVE);
            Files.move(secrets.path(NEXT), secrets.path(CURRENT), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not swap the master key files", e);
        }
        keys = load();
        return retired.toString();
    }

    @Override
    public String currentId() {
        return keys.currentId();
    }

    private void requireFileManaged() {
        if (configured != null) {
            throw new IllegalStateException("COLLOQUY_MASTER_KEY is set: rotate it where it is configured");
        }
    }

    private Keys load() {
        Map<String, SecretKey> byId = new LinkedHashMap<>();
        byte[] current = configured != null ? configured : readOrCreateCurrent();
        String currentId = idOf(current);
        byId.put(currentId, kek(current));
        if (configured == null) {
            try (Stream<Path> files = Files.list(secrets.path(CURRENT).getParent())) {
                for (Path f : files.toList()) {
                    String name = f.getFileName().toString();
                    if (name.equals(NEXT) || name.startsWith(RETIRED)) {
                        byte[] master = readFile(name);
                        byId.putIfAbsent(idOf(master), kek(master));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Could not list the master key files", e);
            }
        }
        return new Keys(currentId, Map.copyOf(byId));
    }

    private byte[] readOrCreateCurrent() {
        secrets.getOrCreate(CURRENT);
        return readFile(CURRENT);
    }

    private byte[] readFile(String name) {
        try {
            return Base64.getUrlDecoder()
                    .decode(Files.readString(secrets.path(name), StandardCharsets.UTF_8)
                            .strip());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the master key file " + secrets.path(name), e);
        }
    }

    private static SecretKey kek(byte[] master) {
        try {
            return KDF.getInstance("HKDF-SHA256")
                    .deriveKey(
                            "AES",
                            HKDFParameterSpec.ofExtract()
                                    .addIKM(new SecretKeySpec(master, "HKDF"))
                                    .thenExpand("kek/v1".getBytes(StandardCharsets.UTF_8), 32));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HKDF is unavailable", e);
        }
    }

    /** The fingerprint of a master key: SHA-256 over its derived KEK, never over the master itself. */
    private static String idOf(byte[] master) {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256").digest(kek(master).getEncoded());
            return "local-master/" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
