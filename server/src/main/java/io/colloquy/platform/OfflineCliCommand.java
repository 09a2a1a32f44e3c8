package io.colloquy.platform;

import java.io.PrintStream;
import java.util.List;
import java.util.OptionalInt;

/**
 * A CLI command whose first step must run before any Spring context (and so before the database is started and
 * migrated by {@link EarlyDatabase}), e.g. loading a backup into an empty data directory. Listed in
 * {@code META-INF/services/io.colloquy.platform.OfflineCliCommand}; a {@link CliCommand} bean of the same words
 * then runs in a context, as usual.
 */
public interface OfflineCliCommand {
    /** The words that select it. */
    List<String> words();

    /** Runs the offline step; empty to go on with the context's command, or the exit code to stop with. */
    OptionalInt prepare(List<String> args, PrintStream out);
}
