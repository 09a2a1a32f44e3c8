package io.colloquy.platform;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code ./colloquy serve} starts the server; every other command runs once without a web server.
 * Standalone commands (listed in {@code META-INF/services/io.colloquy.platform.CliCommand}, e.g. the
 * audit verifier, which talks to a server over HTTP) run without starting anything at all: no database. Commands
 * with a remote form ({@link RemoteCliCommand}, e.g. {@code project create}) go through the data directory's running
 * server when there is one; otherwise, like the rest, they run in a context without a web server, whose database is
 * started by {@link EarlyDatabase} while the context is built. Commands with an offline first step
 * ({@link OfflineCliCommand}, e.g. {@code restore}) run it before any context exists.
 */
public final class CommandLine {
    private CommandLine() {}

    public static void run(Class<?> application, String[] args) {
        List<String> words = Arrays.asList(args);
        if (words.isEmpty() || words.getFirst().equals("serve")) {
            new SpringApplicationBuilder(application)
                    .listeners(new EarlyDatabase())
                    .run(args);
            return;
        }
        if (words.getFirst().equals("help") || words.getFirst().equals("--help")) {
            System.out.println(usage(standalone()));
            return;
        }
        OptionalInt remote = overRunningServer(words);
        if (remote.isPresent()) {
            System.exit(remote.getAsInt());
        }
        for (OfflineCliCommand offline : ServiceLoader.load(OfflineCliCommand.class)) {
            List<String> selector = offline.words();
            if (words.size() >= selector.size()
                    && words.subList(0, selector.size()).equals(selector)) {
                OptionalInt done = offline.prepare(words.subList(selector.size(), words.size()), System.out);
                if (done.isPresent()) {
                    System.exit(done.getAsInt());
                }
            }
        }
        CliCommand standalone = find(standalone(), words);
        if (standalone != null) {
            System.exit(standalone.run(words.subList(standalone.words().size(), words.size()), System.out));
        }
        int code;
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(application)
                .listeners(new EarlyDatabase())
                .web(WebApplicationType.NONE)
                .logStartupInfo(false)
                .properties("logging.level.io.colloquy=WARN")
                .run()) {
            List<CliCommand> commands = new java.util.ArrayList<>(
                    context.getBeansOfType(CliCommand.class).values());
            commands.addAll(standalone());
            CliCommand command = find(commands, words);
            if (command == null) {
                System.err.println("Unknown command: " + String.join(" ", words) + "\n" + usage(commands));
                code = 2;
            } else {
                code = command.run(words.subList(command.words().size(), words.size()), System.out);
            }
        }
        System.exit(code);
    }

    /** Runs the command through the data directory's running server when it has a remote form and one answers. */
    private static OptionalInt overRunningServer(List<String> words) {
        for (RemoteCliCommand command : ServiceLoader.load(RemoteCliCommand.class)) {
            List<String> selector = command.words();
            if (words.size() < selector.size()
                    || !words.subList(0, selector.size()).equals(selector)) {
                continue;
            }
            Optional<RunningServer> server = RunningServer.find(System.getenv());
            if (server.isEmpty()) {
                return OptionalInt.empty();
            }
            try {
                return command.run(server.get(), words.subList(selector.size(), words.size()), System.out);
            } catch (IOException e) {
                // the request may have been carried out: running it again in a context could do it twice
                System.err.println("colloquy: the running server did not answer: " + e.getMessage());
                return OptionalInt.of(1);
            }
        }
        return OptionalInt.empty();
    }

    private static List<CliCommand> standalone() {
        return java.util.ServiceLoader.load(CliCommand.class).stream()
                .map(java.util.ServiceLoader.Provider::get)
                .toList();
    }

    private static @Nullable CliCommand find(List<CliCommand> commands, List<String> words) {
        return commands.stream()
                .filter(c -> words.size() >= c.words().size()
                        && words.subList(0, c.words().size()).equals(c.words()))
                .findFirst()
                .orElse(null);
    }

    private static String usage(List<CliCommand> commands) {
        StringBuilder s =
                new StringBuilder("Usage: ./colloquy <command>\n  serve                      start the server\n");
        s.append("  project create NAME [--plan PLAN] [--immutable-dialogues] [--delete-protection]\n");
        s.append("  receipts list                 deletion receipts (signed text, tab, base64 Ed25519 signature)\n");
        s.append("  keys rotate-master            new master key; every project key rewrapped; the old one retired\n");
        s.append("  backup FILE [--key-file KEY]  encrypted, signed backup of the embedded database (while it runs)\n");
        s.append("  restore FILE [--key-file KEY] into an empty data directory; verified before and after\n");
        commands.stream()
                .filter(c -> !c.words().equals(List.of("project", "create"))
                        && !c.words().equals(List.of("receipts", "list"))
                        && !c.words().equals(List.of("keys", "rotate-master"))
                        && !c.words().equals(List.of("backup"))
                        && !c.words().equals(List.of("restore")))
                .forEach(c -> s.append("  ").append(c.usage()).append('\n'));
        return s.toString();
    }
}
