package io.colloquy.crypto;

import io.colloquy.platform.CliCommand;
import java.io.PrintStream;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * {@code ./colloquy keys rotate-master}: a new master key; every project key rewrapped under it, project
 * by project, each in its own tenant transaction; then the new key becomes current and the old one is
 * kept (retired) until the operator removes it. Safe to run again after an interruption, and while the
 * server runs (it re-reads the key files when it meets a key wrapped under a master it does not know).
 */
@Component
final class MasterKeyCommands implements CliCommand {
    private final ProjectKeys projectKeys;
    private final KeyedProjects projects;

    MasterKeyCommands(ProjectKeys projectKeys, KeyedProjects projects) {
        this.projectKeys = projectKeys;
        this.projects = projects;
    }

    @Override
    public List<String> words() {
        return List.of("keys", "rotate-master");
    }

    @Override
    public String usage() {
        return "keys rotate-master            new master key; every project key rewrapped; the old one retired";
    }

    @Override
    public int run(List<String> args, PrintStream out) {
        String next = projectKeys.prepareMasterRotation();
        out.println("Rotating the master key to " + next);
        int rewrapped = 0;
        for (UUID project : projects.allProjectIds()) {
            rewrapped += projects.inProject(project, () -> projectKeys.rewrapUnderNextMaster(project));
        }
        String retired = projectKeys.finishMasterRotation();
        for (UUID project : projects.allProjectIds()) {
            rewrapped += projects.inProject(project, () -> projectKeys.rewrapUnderCurrentMaster(project));
        }
        out.println(rewrapped + " project keys rewrapped; current master key: " + projectKeys.currentMasterId());
        out.println("The old master key is kept at " + retired
                + " : no key depends on it any more; remove it (and its backups) when you are ready.");
        return 0;
    }
}
