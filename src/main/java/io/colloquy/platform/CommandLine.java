package io.colloquy.platform;

import java.util.Arrays;
import java.util.List;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** {@code ./colloquy serve} starts the server; every other command runs once without a web server. */
public final class CommandLine {
    private CommandLine() {}

    public static void run(Class<?> application, String[] args) {
        List<String> words = Arrays.asList(args);
        if (words.isEmpty() || words.getFirst().equals("serve")) {
            new SpringApplicationBuilder(application).run(args);
            return;
        }
        if (words.getFirst().equals("help") || words.getFirst().equals("--help")) {
            System.out.println(usage(null));
            return;
        }
        int code;
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(application)
                .web(WebApplicationType.NONE)
                .logStartupInfo(false)
                .properties("logging.level.io.colloquy=WARN")
                .run()) {
            List<CliCommand> commands =
                    List.copyOf(context.getBeansOfType(CliCommand.class).values());
            CliCommand command = commands.stream()
                    .filter(c -> words.size() >= c.words().size()
                            && words.subList(0, c.words().size()).equals(c.words()))
                    .findFirst()
                    .orElse(null);
            if (command == null) {
                System.err.println("Unknown command: " + String.join(" ", words) + "\n" + usage(commands));
                code = 2;
            } else {
                code = command.run(words.subList(command.words().size(), words.size()), System.out);
            }
        }
        System.exit(code);
    }

    private static String usage(List<CliCommand> commands) {
        StringBuilder s =
                new StringBuilder("Usage: ./colloquy <command>\n  serve                      start the server\n");
        if (commands != null) {
            commands.forEach(c -> s.append("  ").append(c.usage()).append('\n'));
        } else {
            s.append("  project create NAME [--plan PLAN] [--immutable-dialogues] [--delete-protection]\n");
        }
        return s.toString();
    }
}
