package io.colloquy.platform;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/** Runs external commands without a shell and inspects other processes through {@code /proc}. */
final class Processes {

    private static final int TAIL_LINES = 20;
    private static final File DEV_NULL = new File("/dev/null");

    private Processes() {}

    /** Outcome of a finished command: its exit code and the last lines it printed (stdout and stderr merged). */
    record Result(List<String> command, int exitCode, List<String> outputTail) {

        boolean succeeded() {
            return exitCode == 0;
        }

        Result orThrow() {
            if (!succeeded()) {
                throw failure("failed with exit code " + exitCode);
            }
            return this;
        }

        IllegalStateException failure(String problem) {
            return new IllegalStateException(
                    "Command " + String.join(" ", command) + " " + problem + lastLines("output", outputTail));
        }
    }

    static Result run(List<String> command, Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(new File("/"))
                .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                .redirectErrorStream(true);
        sanitize(builder);
        Deque<String> tail = new ArrayDeque<>();
        try {
            Process process = builder.start();
            Thread reader = Thread.ofVirtual().start(() -> collectTail(process, tail));
            if (!process.waitFor(timeout)) {
                process.destroyForcibly().waitFor();
                throw new Result(command, -1, snapshot(tail)).failure("timed out after " + timeout);
            }
            // a daemon started by the command could keep the pipe open; never wait for it forever
            reader.join(Duration.ofSeconds(5));
            return new Result(command, process.exitValue(), snapshot(tail));
        } catch (IOException e) {
            throw new IllegalStateException("Could not run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + String.join(" ", command), e);
        }
    }

    /** Starts a command detached from our stdio (CI has no terminal) and does not wait for it. */
    static Process spawnDetached(List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(new File("/"))
                .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        sanitize(builder);
        try {
            return builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("Could not start " + command.getFirst() + ": " + e.getMessage(), e);
        }
    }

    /** Alive and not a zombie: an orphaned postmaster may never be reaped when PID 1 is not a real init. */
    static boolean isAlive(long pid) {
        if (pid <= 0 || !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        return !"Z".equals(state(pid).orElse(""));
    }

    /** The executable of a process, when we may see it. */
    static Optional<String> executable(long pid) {
        return ProcessHandle.of(pid).flatMap(handle -> handle.info().command());
    }

    static Optional<String> commandLine(long pid) {
        return ProcessHandle.of(pid).flatMap(handle -> handle.info().commandLine());
    }

    /** Quotes one word for {@code sh}: single quotes, with embedded single quotes spliced in. */
    static String shellQuote(String word) {
        return "'" + word.replace("'", "'\"'\"'") + "'";
    }

    static String lastLines(String what, List<String> lines) {
        return lines.isEmpty() ? "" : "; last " + what + " lines:\n  " + String.join("\n  ", lines);
    }

    static List<String> tailOf(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return List.copyOf(lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return List.of();
        }
    }

    private static Optional<String> state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // "pid (comm) S ...": comm may contain spaces, the state follows the last ')'
            String afterComm = stat.substring(stat.lastIndexOf(')') + 1).strip();
            return Optional.of(afterComm.substring(0, 1));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static void sanitize(ProcessBuilder builder) {
        // PG* variables (PGPORT, PGDATA, PGOPTIONS...) would silently change what the binaries do
        builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
        builder.environment().put("LC_ALL", "C");
        builder.environment().put("LANG", "C");
    }

    private static void collectTail(Process process, Deque<String> tail) {
        try (BufferedReader reader = process.inputReader(StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > TAIL_LINES) {
                        tail.removeFirst();
                    }
                }
            }
        } catch (IOException ignored) {
            // the process went away; whatever was read is kept
        }
    }

    private static List<String> snapshot(Deque<String> tail) {
        synchronized (tail) {
            return List.copyOf(tail);
        }
    }
}
