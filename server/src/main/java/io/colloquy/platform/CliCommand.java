package io.colloquy.platform;

import java.io.PrintStream;
import java.util.List;

/** A command of {@code ./colloquy}, contributed by the feature it belongs to. */
public interface CliCommand {
    /** The words that select it, e.g. {@code ["project", "create"]}. */
    List<String> words();

    /** One usage line, e.g. {@code project create NAME [--plan PLAN]}. */
    String usage();

    /** Runs with the arguments after the command's words; returns the process exit code. */
    int run(List<String> args, PrintStream out);
}
