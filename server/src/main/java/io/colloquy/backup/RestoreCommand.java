package io.colloquy.backup;

import io.colloquy.audit.AuditSignatures;
import io.colloquy.crypto.ErasureJournal;
import io.colloquy.platform.CliCommand;
import io.colloquy.platform.ColloquySettings;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/**
 * {@code ./colloquy restore FILE}, its second step, in a context started on the loaded data directory (so the erasure
 * journal has been re-applied already, before anything could be served): checks that the journal continues the one the
 * backup saw (an older journal would have let erased data back), and verifies every project's audit log against the
 * tree head the manifest recorded; a project deleted after the backup is reported as deleted again. Exit code 0 only
 * when all of it holds.
 */
@Component
class RestoreCommand implements CliCommand {
    private final ColloquySettings settings;
    private final AuditSignatures audit;
    private final ErasureJournal journal;

    RestoreCommand(ColloquySettings settings, AuditSignatures audit, ErasureJournal journal) {
        this.settings = settings;
        this.audit = audit;
        this.journal = journal;
    }

    @Override
    public List<String> words() {
        return List.of("restore");
    }

    @Override
    public String usage() {
        return "restore FILE [--key-file KEY]       into an empty data directory; verified before and after";
    }

    @Override
    public int run(List<String> args, PrintStream out) {
        return run(args, out, System.getenv());
    }

    int run(List<String> args, PrintStream out, Map<String, String> env) {
        try {
            BackupCommand.Options options = BackupCommand.Options.parse(args);
            BackupKey key = BackupKey.load(BackupKey.locate(options.keyFile(), env), settings.dataDir(), false);
            BackupArchive.Signed signed = BackupArchive.manifest(options.file(), key.key());
            Manifest manifest = Manifest.parse(signed.json());
            if (!AuditSignatures.verify(
                    Base64.getDecoder().decode(manifest.signingPublicKey()), signed.json(), signed.signature())) {
                out.println("colloquy restore: the archive's manifest signature does not verify");
                return 1;
            }
            return verify(manifest, out);
        } catch (IllegalArgumentException | IOException e) {
            out.println("colloquy restore: " + e.getMessage());
            return 1;
        }
    }

    /** Verifies the restored database against the manifest; returns the exit code. */
    int verify(Manifest manifest, PrintStream out) {
        boolean ok = true;
        Manifest.JournalHead head = manifest.erasureJournal();
        if (!journal.continues(new ErasureJournal.Head(head.entries(), head.mac()))) {
            out.println("FAILED: the erasure journal here does not continue the one this backup was taken with ("
                    + head.entries() + " entries then): it is older or another installation's, so erasures made after"
                    + " the backup may be readable again. Put the installation's journal back and start again.");
            ok = false;
        }
        if (!audit.keyId().equals(manifest.signingKeyId())) {
            out.println("Note: this server signs with key " + audit.keyId() + ", the backup's server signed with "
                    + manifest.signingKeyId());
        }
        Set<UUID> deleted = journal.inForce().stream()
                .filter(e -> e.kind() == ErasureJournal.Kind.PROJECT)
                .map(ErasureJournal.Entry::project)
                .collect(Collectors.toSet());
        int verified = 0;
        for (Manifest.ProjectHead p : manifest.projects()) {
            UUID project = UUID.fromString(p.projectId());
            if (deleted.contains(project)) {
                out.println("project " + p.projectId() + ": deleted after the backup, deleted again (erasure journal)");
                continue;
            }
            AuditSignatures.LogCheck check =
                    audit.verifyAgainst(project, new AuditSignatures.TreeHead(p.treeSize(), p.rootHash()));
            if (!check.ok()) {
                out.println("FAILED: project " + p.projectId() + ": audit log: " + check.message());
                ok = false;
            } else {
                verified++;
            }
        }
        out.println((ok ? "Restore complete: " : "Restore NOT verified: ") + verified + " of "
                + manifest.projects().size() + " project audit logs verify against the backup's tree heads"
                + " (schema " + manifest.schemaVersion() + ", backup of " + manifest.createdAt() + ")");
        return ok ? 0 : 1;
    }
}
