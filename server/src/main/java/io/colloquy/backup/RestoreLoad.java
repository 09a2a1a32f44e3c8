package io.colloquy.backup;

import io.colloquy.audit.AuditSignatures;
import io.colloquy.crypto.SealedStream;
import io.colloquy.platform.DatabaseEndpoint;
import io.colloquy.platform.EmbeddedDatabase;
import io.colloquy.platform.OfflineCliCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * {@code ./colloquy restore FILE [--key-file KEY]}, its first step, before any context exists: reads the whole archive
 * and checks every chunk and the manifest's signature BEFORE touching the target; refuses a target whose database
 * holds any table; migrates the empty database to the archive's schema version; loads every table in one transaction
 * (all or nothing: a failure leaves the target empty again); puts the server secrets back. The context's
 * {@code restore} command then re-applies the erasure journal (at start, as every start does) and verifies every
 * project's audit log against the manifest ({@link RestoreCommand}).
 */
public final class RestoreLoad implements OfflineCliCommand {
    @Override
    public List<String> words() {
        return List.of("restore");
    }

    @Override
    public OptionalInt prepare(List<String> args, PrintStream out) {
        Map<String, String> env = System.getenv();
        BackupCommand.Options options;
        try {
            options = BackupCommand.Options.parse(args);
        } catch (IllegalArgumentException e) {
            out.println("colloquy restore: " + e.getMessage() + "\nUsage: ./colloquy restore FILE [--key-file KEY]");
            return OptionalInt.of(2);
        }
        if (!env.getOrDefault("COLLOQUY_DATABASE_URL", "").isBlank()) {
            out.println("colloquy restore: the database is an external PostgreSQL: restore it with its own tools, then"
                    + " start the server, which re-applies the erasure journal (docs/operations.md)");
            return OptionalInt.of(2);
        }
        Path dataDir = Path.of(env.getOrDefault("COLLOQUY_DATA_DIR", "./colloquy-data"));
        try {
            BackupKey key = BackupKey.load(BackupKey.locate(options.keyFile(), env), dataDir, false);
            long started = System.nanoTime();
            Verified verified = load(
                    options.file(),
                    key,
                    dataDir,
                    env.getOrDefault("COLLOQUY_DATABASE_OWNER_USER", "colloquy_owner"),
                    env.getOrDefault("COLLOQUY_DATABASE_APP_USER", "colloquy_app"),
                    BackupCommand.Progress.onTerminal(out));
            double seconds = (System.nanoTime() - started) / 1e9;
            double mb = Files.size(options.file()) / 1e6;
            out.printf(
                    "Archive verified and loaded: %d rows, %.1f MB in %.1f s (%.1f MB/s; read twice); now verifying"
                            + " the audit logs%n",
                    verified.rows(), mb, seconds, mb / seconds);
            return OptionalInt.empty();
        } catch (Refusal | IllegalArgumentException | IOException e) {
            out.println("colloquy restore: " + e.getMessage());
            return OptionalInt.of(1);
        }
    }

    /** Why a restore did not happen (nothing was written), or failed and was undone. */
    static final class Refusal extends Exception {
        Refusal(String message, Throwable cause) {
            super(message, cause);
        }

        Refusal(String message) {
            super(message);
        }
    }

    /** What the archive holds, verified. */
    record Verified(Manifest manifest, String manifestJson, Map<String, byte[]> secrets, long rows) {}

    /** Reads the whole archive and checks it: every chunk, the record structure, the manifest's signature. */
    static Verified verify(Path archive, BackupKey key) throws Refusal {
        Map<String, byte[]> secrets = new LinkedHashMap<>();
        String[] manifest = new String[1];
        long[] rows = new long[1];
        try {
            BackupArchive.read(archive, key.key(), new BackupArchive.Visitor() {
                @Override
                public void manifest(String json, String signature) throws IOException {
                    Manifest m = Manifest.parse(json);
                    if (m.format() != Manifest.FORMAT) {
                        throw new SealedStream.Refused("its manifest format " + m.format() + " is unknown");
                    }
                    if (!AuditSignatures.verify(Base64.getDecoder().decode(m.signingPublicKey()), json, signature)) {
                        throw new SealedStream.Refused("its manifest's signature does not verify");
                    }
                    manifest[0] = json;
                }

                @Override
                public void secret(String name, byte[] value) {
                    secrets.put(name, value);
                }

                @Override
                public void table(String name, String columns, InputStream data) throws IOException {
                    data.transferTo(java.io.OutputStream.nullOutputStream());
                }

                @Override
                public void tableEnd(String name, long n) {
                    rows[0] += n;
                }

                @Override
                public void sequence(String name, long lastValue) {}
            });
        } catch (java.nio.file.NoSuchFileException e) {
            throw new Refusal("there is no archive at " + archive);
        } catch (IOException | RuntimeException e) {
            throw new Refusal("the archive " + archive + " is refused, nothing was written: " + e.getMessage(), e);
        }
        return new Verified(Manifest.parse(manifest[0]), manifest[0], secrets, rows[0]);
    }

    /** Verifies, then loads into the data directory's (empty) embedded database. */
    static Verified load(
            Path archive, BackupKey key, Path dataDir, String owner, String app, BackupCommand.Progress progress)
            throws Refusal {
        Verified verified = verify(archive, key);
        progress.line("Archive verified: " + verified.rows() + " rows, schema version "
                + verified.manifest().schemaVersion() + ", made "
                + verified.manifest().createdAt());
        try (DatabaseEndpoint db = EmbeddedDatabase.open(dataDir, owner, app);
                BackupRepository sql = BackupRepository.session(java.util.Objects.requireNonNull(db.embedded()))) {
            if (sql.tableCount() > 0) {
                throw new Refusal("the target database of " + dataDir + " is not empty: a restore goes into an empty"
                        + " data directory only (nothing was written)");
            }
            try {
                EmbeddedDatabase.migrate(db, verified.manifest().schemaVersion());
                String migrated = sql.schemaVersion();
                if (!migrated.equals(verified.manifest().schemaVersion())) {
                    throw new Refusal("the archive's schema version "
                            + verified.manifest().schemaVersion() + " is newer than this server's (" + migrated
                            + "): restore with a newer release");
                }
                loadTables(archive, key, verified, sql, progress);
            } catch (Refusal | IOException | RuntimeException e) {
                sql.undoLoad();
                throw e instanceof Refusal r
                        ? r
                        : new Refusal("the load failed and was undone (the target is empty): " + e.getMessage(), e);
            }
            writeSecrets(dataDir, verified.secrets());
        } catch (Refusal e) {
            throw e;
        } catch (Exception e) {
            throw new Refusal("the restore failed: " + e.getMessage(), e);
        }
        progress.line("Loaded into " + dataDir.toAbsolutePath().normalize());
        return verified;
    }

    private static void loadTables(
            Path archive, BackupKey key, Verified verified, BackupRepository sql, BackupCommand.Progress progress)
            throws IOException {
        sql.beginLoad();
        BackupArchive.read(archive, key.key(), new BackupArchive.Visitor() {
            @Override
            public void manifest(String json, String signature) throws IOException {
                if (!json.equals(verified.manifestJson())) {
                    throw new SealedStream.Refused("the archive changed since it was verified");
                }
            }

            @Override
            public void secret(String name, byte[] value) {}

            @Override
            public void table(String name, String columns, InputStream data) throws IOException {
                progress.table(name, sql.copyIn(name, columns, data), 0);
            }

            @Override
            public void tableEnd(String name, long rows) {}

            @Override
            public void sequence(String name, long lastValue) throws IOException {
                sql.setSequence(name, lastValue);
            }
        });
        sql.commit();
    }

    private static void writeSecrets(Path dataDir, Map<String, byte[]> secrets) throws IOException {
        Path dir = dataDir.toAbsolutePath().normalize().resolve("secrets");
        for (Map.Entry<String, byte[]> s : secrets.entrySet()) {
            if (!s.getKey().matches("[a-z-]+\\.key")) {
                continue;
            }
            Path temp = Files.createTempFile(
                    dir,
                    s.getKey(),
                    ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(temp, s.getValue());
            Files.move(
                    temp, dir.resolve(s.getKey()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
