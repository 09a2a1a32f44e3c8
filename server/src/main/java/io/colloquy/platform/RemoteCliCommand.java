package io.colloquy.platform;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.OptionalInt;

/**
 * A CLI command that can do its work through the running server of the same data directory (found and proven by
 * {@link RunningServer}) instead of starting a Spring context of its own. Listed in
 * {@code META-INF/services/io.colloquy.platform.RemoteCliCommand}; the same words also name a {@link CliCommand}
 * bean, which runs when no server answers.
 */
public interface RemoteCliCommand {
    /** The words that select it, as for its {@link CliCommand}. */
    List<String> words();

    /**
     * Runs through {@code server} with the arguments after the command's words and returns the exit code; empty when
     * the server refused before anything changed (e.g. it does not take this operator token), so that the command
     * runs in its own context instead.
     */
    OptionalInt run(RunningServer server, List<String> args, PrintStream out) throws IOException;
}
