package io.colloquy.backup;

import io.colloquy.audit.AuditSignatures;
import io.colloquy.crypto.ErasureJournal;
import io.colloquy.crypto.SealedStream;
import io.colloquy.platform.CliCommand;
import io.colloquy.platform.ColloquySettings;
import io.colloquy.platform.DatabaseEndpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * {@code ./colloquy backup FILE [--key-file KEY]}: the embedded database as one consistent snapshot (taken while the
 * server runs), sealed under the backup key ({@link BackupKey}) in a {@link SealedStream}, with a signed
 * {@link Manifest} first. Written to {@code FILE.partial} (0600) and renamed to {@code FILE} only once complete.
 * Progress is printed only on a terminal.
 */
@Component
class BackupCommand implements CliCommand {
    private static final List<String> SECRETS = List.of("server.key", "audit-signing.key");
    private final DatabaseEndpoint database;
    private final ColloquySettings settings;
    private final AuditSignatures audit;
    private final ErasureJournal journal;
    private final Clock clock;

    BackupCommand(
            DatabaseEndpoint database,
            ColloquySettings settings,
            AuditSignatures audit,
            ErasureJournal journal,
            Clock clock) {
        this.database = database;
        this.settings = settings;
        this.audit = audit;
        this.journal = journal;
        this.clock = clock;
    }

    @Override
    public List<String> words() {
        return List.of("backup");
    }

    @Override
    public String usage() {
        return "backup FILE [--key-file KEY]        encrypted, signed backup of the embedded database";
    }

    @Override
    public int run(List<String> args, PrintStream out) {
        return run(args, out, System.getenv());
    }

    int run(List<String> args, PrintStream out, Map<String, String> env) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            out.println("colloquy backup: " + e.getMessage() + "\nUsage: ./colloquy " + usage());
            return 2;
        }
        DatabaseEndpoint.Embedded embedded = database.embedded();
        if (embedded == null) {
            out.println("colloquy backup: the database is an external PostgreSQL: back it up with its own tools"
                    + " (pgBackRest with repository encryption; see docs/operations.md)");
            return 2;
        }
        try {
            BackupKey key = BackupKey.load(BackupKey.locate(options.keyFile(), env), settings.dataDir(), true);
            long started = System.nanoTime();
            Stats stats = write(options.file(), key, embedded, Progress.onTerminal(out));
            double seconds = (System.nanoTime() - started) / 1e9;
            double mb = Files.size(options.file()) / 1e6;
            out.printf(
                    "Backup written to %s: %d tables, %d rows, %d projects, %.1f MB in %.1f s (%.1f MB/s), key id %s%n",
                    options.file(),
                    stats.tables,
                    stats.rows,
                    stats.projects,
                    mb,
                    seconds,
                    mb / seconds,
                    SealedStream.keyId(key.key()));
            return 0;
        } catch (IllegalArgumentException | IllegalStateException e) {
            out.println("colloquy backup: " + e.getMessage());
            return 1;
        } catch (IOException | BackupRepository.Failed e) {
            out.println("colloquy backup: failed: " + e.getMessage());
            return 1;
        }
    }

    static final class Stats {
        long tables;
        long rows;
        long projects;
    }

    Stats write(Path file, BackupKey key, DatabaseEndpoint.Embedded embedded, Progress progress) throws IOException {
        Path target = file.toAbsolutePath().normalize();
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        Files.deleteIfExists(partial);
        Files.createFile(partial, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Stats stats = new Stats();
        try (BackupRepository sql = BackupRepository.session(embedded)) {
            sql.beginSnapshot();
            ErasureJournal.Head head =
                    journal.head(); // before the snapshot's first read: the snapshot has every erasure in it
            String schemaVersion = sql.schemaVersion();
            List<Manifest.ProjectHead> heads = new ArrayList<>();
            for (Map.Entry<UUID, List<byte[]>> log : sql.leaves().entrySet()) {
                AuditSignatures.TreeHead h = AuditSignatures.treeHeadOf(log.getValue());
                heads.add(new Manifest.ProjectHead(log.getKey().toString(), h.treeSize(), h.rootHash()));
            }
            stats.projects = heads.size();
            Manifest manifest = new Manifest(
                    Manifest.FORMAT,
                    clock.instant(),
                    serverVersion(),
                    schemaVersion,
                    audit.keyId(),
                    Base64.getEncoder().encodeToString(audit.rawPublicKey()),
                    new Manifest.JournalHead(head.entries(), head.mac()),
                    heads);
            String json = manifest.json();
            try (OutputStream raw = new java.io.BufferedOutputStream(Files.newOutputStream(partial), 1 << 16);
                    BackupArchive.Writer archive =
                            new BackupArchive.Writer(SealedStream.writer(raw, key.key(), BackupArchive.MAGIC))) {
                archive.manifest(json, audit.sign(json));
                Path secrets = settings.dataDir().toAbsolutePath().normalize().resolve("secrets");
                for (String name : SECRETS) {
                    Path f = secrets.resolve(name);
                    if (Files.isRegularFile(f)) {
                        archive.secret(name, Files.readAllBytes(f));
                    }
                }
                for (BackupRepository.Table table : sql.tables()) {
                    OutputStream data = archive.table(table.name(), table.columns());
                    long rows = sql.copyOut(table, data);
                    data.flush();
                    archive.tableEnd(rows);
                    stats.tables++;
                    stats.rows += rows;
                    progress.table(table.name(), rows, Files.size(partial));
                }
                for (Map.Entry<String, Long> s : sql.sequences().entrySet()) {
                    archive.sequence(s.getKey(), s.getValue());
                }
            }
            sql.endSnapshot();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        try (var channel = java.nio.channels.FileChannel.open(partial, java.nio.file.StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return stats;
    }

    static String serverVersion() {
        String v = BackupCommand.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }

    record Options(Path file, @Nullable String keyFile) {
        static Options parse(List<String> args) {
            Path file = null;
            String keyFile = null;
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a.equals("--key-file") && i + 1 < args.size()) {
                    keyFile = args.get(++i);
                } else if (!a.startsWith("--") && file == null) {
                    file = Path.of(a);
                } else {
                    throw new IllegalArgumentException("unexpected argument " + a);
                }
            }
            if (file == null) {
                throw new IllegalArgumentException("give the archive FILE");
            }
            return new Options(file, keyFile);
        }
    }

    /** Progress lines, on a terminal only (never in a log or a pipe). */
    static final class Progress {
        private final @Nullable PrintStream out;

        Progress(@Nullable PrintStream out) {
            this.out = out;
        }

        /** Prints to {@code out} only when the JVM has a terminal ({@code System.console() != null}). */
        static Progress onTerminal(PrintStream out) {
            return new Progress(System.console() != null ? out : null);
        }

        void line(String text) {
            if (out != null) {
                out.println(text);
            }
        }

        void table(String name, long rows, long bytes) {
            if (out != null) {
                out.printf("  %-32s %,12d rows   %,10.1f MB%n", name, rows, bytes / 1e6);
            }
        }
    }
}
