package io.colloquy.crypto;

import io.colloquy.platform.ColloquySettings;
import io.colloquy.platform.ServerSecrets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * What was crypto-shredded, kept OUTSIDE the database (and so outside every backup of it), beside the master key
 * ({@code COLLOQUY_MASTER_KEY_DIR}, else {@code <data dir>/secrets}): file {@value #FILE}, one line per entry, append
 * only. An entry names a project deleted, or a namespace erased with the exact data and search keys destroyed
 * ({@code purpose:version:created_at µs}, stable across rewraps). A database restored from a backup taken before the
 * erasure still holds those keys; {@code governance.ErasureReplay} finds them through {@link #stillStored} and erases
 * again, at every start, before anything is served.
 *
 * <p>Line format: {@code seq TAB at_ms TAB kind TAB project TAB namespace(base64url|-) TAB key ids(,|-) TAB voided
 * seq(-) TAB mac}, with {@code mac = HMAC-SHA256(journal key, previous mac || the line before its mac)} (32 zero
 * bytes before the first): an entry cannot be forged, changed, reordered, or removed from the middle without the
 * journal key ({@value #KEY_FILE}, 0600, beside it: whoever can read it can read the master key too). The head
 * (entry count, last mac) goes into every backup's manifest, so a restore notices a journal older than the backup.
 * An entry is written and synced BEFORE the shredding commits (write-ahead: a crash in between erases at the next
 * start); a shredding that rolls back appends a {@code void} entry naming it.
 */
@Component
public class ErasureJournal {
    static final String FILE = "erasure.journal";
    static final String KEY_FILE = "erasure-journal.key";
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] GENESIS = new byte[32];

    private final Path file;
    private final SecretKey macKey;
    private final KeyRepository keys;
    private final Clock clock;

    ErasureJournal(ColloquySettings settings, Environment env, KeyRepository keys, Clock clock) {
        String keyDir = env.getProperty("colloquy.crypto.master-key-dir", "");
        ServerSecrets secrets = keyDir.isBlank()
                ? new ServerSecrets(settings.dataDir())
                : ServerSecrets.inDirectory(Path.of(keyDir.strip()));
        this.file = secrets.path(FILE);
        this.macKey = new SecretKeySpec(Base64.getUrlDecoder().decode(secrets.getOrCreate(KEY_FILE)), "HmacSHA256");
        this.keys = keys;
        this.clock = clock;
    }

    /** What an entry erased. */
    public enum Kind {
        NAMESPACE,
        PROJECT,
        VOID
    }

    /** One verified entry. */
    public record Entry(
            long seq,
            Instant at,
            Kind kind,
            UUID project,
            @Nullable String namespace,
            List<String> keyIds,
            long voids) {}

    /** How many entries the journal holds and the mac of the last one (hex; zeros when empty). */
    public record Head(long entries, String mac) {}

    /** The erasures in force: every verified entry, less those voided (their shredding rolled back). */
    public synchronized List<Entry> inForce() {
        List<Entry> all = read().entries();
        Set<Long> voided = new HashSet<>();
        all.stream().filter(e -> e.kind() == Kind.VOID).forEach(e -> voided.add(e.voids()));
        return all.stream()
                .filter(e -> e.kind() != Kind.VOID && !voided.contains(e.seq()))
                .toList();
    }

    public synchronized Head head() {
        Read r = read();
        return new Head(r.entries().size(), HEX.formatHex(r.lastMac()));
    }

    /** True when this journal holds {@code head}'s entries unchanged as its first ones (it may hold more). */
    public synchronized boolean continues(Head head) {
        Read r = read();
        if (head.entries() == 0) {
            return true;
        }
        return r.macs().size() >= head.entries()
                && MessageDigest.isEqual(r.macs().get(Math.toIntExact(head.entries() - 1)), HEX.parseHex(head.mac()));
    }

    /**
     * In the entry's project's tenant transaction: whether what it erased is stored again (a restored backup from
     * before it), i.e. one of the namespace's destroyed keys, or any project key of a deleted project.
     */
    public boolean stillStored(Entry entry) {
        return switch (entry.kind()) {
            case NAMESPACE -> keys.anyNamespaceKeyLeft(entry.project(), entry.namespace(), entry.keyIds());
            case PROJECT -> keys.anyProjectKeyLeft(entry.project());
            case VOID -> false;
        };
    }

    /** Records, before they are deleted, the keys of a namespace about to be shredded (current transaction). */
    void recordNamespace(UUID project, String namespace, List<String> keyIds) {
        if (!keyIds.isEmpty()) {
            writeAhead(Kind.NAMESPACE, project, namespace, keyIds);
        }
    }

    /** Records a project about to be deleted (current transaction). */
    void recordProject(UUID project) {
        writeAhead(Kind.PROJECT, project, null, List.of());
    }

    private void writeAhead(Kind kind, UUID project, @Nullable String namespace, List<String> keyIds) {
        long seq = append(kind, project, namespace, keyIds, 0);
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    if (status == STATUS_ROLLED_BACK) {
                        append(Kind.VOID, project, null, List.of(), seq);
                    }
                }
            });
        }
    }

    private synchronized long append(
            Kind kind, UUID project, @Nullable String namespace, List<String> keyIds, long voids) {
        try (FileChannel channel = FileChannel.open(
                file,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            try (var lock = channel.lock()) {
                Read r = read();
                channel.truncate(r.validBytes()); // a torn last line (a crash while writing it) goes
                long seq = r.entries().size() + 1;
                String body = String.join(
                        "\t",
                        Long.toString(seq),
                        Long.toString(clock.millis()),
                        kind.name().toLowerCase(java.util.Locale.ROOT),
                        project.toString(),
                        namespace == null
                                ? "-"
                                : Base64.getUrlEncoder()
                                        .withoutPadding()
                                        .encodeToString(namespace.getBytes(StandardCharsets.UTF_8)),
                        keyIds.isEmpty() ? "-" : String.join(",", keyIds),
                        voids == 0 ? "-" : Long.toString(voids));
                String line = body + "\t" + HEX.formatHex(mac(r.lastMac(), body)) + "\n";
                channel.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)), r.validBytes());
                channel.force(true);
                return seq;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not append to the erasure journal " + file, e);
        }
    }

    private record Read(List<Entry> entries, List<byte[]> macs, byte[] lastMac, long validBytes) {}

    /** Reads and verifies the whole journal; a line that does not verify stops everything (never skipped). */
    private Read read() {
        if (!Files.exists(file)) {
            return new Read(List.of(), List.of(), GENESIS, 0);
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the erasure journal " + file, e);
        }
        List<Entry> entries = new ArrayList<>();
        List<byte[]> macs = new ArrayList<>();
        byte[] previous = GENESIS;
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '\n') {
                continue;
            }
            String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
            int tab = line.lastIndexOf('\t');
            String body = tab < 0 ? line : line.substring(0, tab);
            byte[] mac = mac(previous, body);
            byte[] claimed;
            try {
                claimed = HEX.parseHex(line.substring(tab + 1));
            } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
                claimed = new byte[0];
            }
            if (tab < 0 || !MessageDigest.isEqual(mac, claimed)) {
                throw broken(
                        entries.size() + 1,
                        "its mac does not verify (changed, reordered, or an entry before it" + " was removed)");
            }
            Entry entry = parse(body);
            if (entry.seq() != entries.size() + 1) {
                throw broken(entries.size() + 1, "it has seq " + entry.seq());
            }
            entries.add(entry);
            macs.add(mac);
            previous = mac;
            start = i + 1;
        }
        return new Read(List.copyOf(entries), List.copyOf(macs), previous, start);
    }

    private IllegalStateException broken(long seq, String why) {
        return new IllegalStateException("The erasure journal " + file + " does not verify at entry " + seq + ": "
                + why + ". Erasures recorded in it could not be re-applied: refusing to go on. Restore the journal"
                + " from its copy (see docs/operations.md).");
    }

    private static Entry parse(String body) {
        String[] f = body.split("\t", -1);
        if (f.length != 7) {
            throw new IllegalStateException("The erasure journal has a malformed entry");
        }
        return new Entry(
                Long.parseLong(f[0]),
                Instant.ofEpochMilli(Long.parseLong(f[1])),
                Kind.valueOf(f[2].toUpperCase(java.util.Locale.ROOT)),
                UUID.fromString(f[3]),
                f[4].equals("-") ? null : new String(Base64.getUrlDecoder().decode(f[4]), StandardCharsets.UTF_8),
                f[5].equals("-") ? List.of() : List.of(f[5].split(",")),
                f[6].equals("-") ? 0 : Long.parseLong(f[6]));
    }

    private byte[] mac(byte[] previous, String body) {
        byte[] text = body.getBytes(StandardCharsets.UTF_8);
        byte[] input = new byte[previous.length + text.length];
        System.arraycopy(previous, 0, input, 0, previous.length);
        System.arraycopy(text, 0, input, previous.length, text.length);
        return ServerKeys.hmac(macKey, input);
    }
}
