package io.colloquy.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The examples of {@code docs/integrations.md} are test sources of the modules (so they compile with the build); this
 * checks that the page shows each one exactly as compiled.
 */
public final class DocExamples {
    private DocExamples() {}

    /** The fenced block after {@code <!-- example: PATH -->} in docs/integrations.md, or null. */
    public static String shown(String path) throws IOException {
        Path root = root();
        String page = Files.readString(root.resolve("docs/integrations.md"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile(
                        "<!-- example: " + Pattern.quote(path) + " -->\\s*```java\\n(.*?)```", Pattern.DOTALL)
                .matcher(page);
        return m.find() ? m.group(1) : null;
    }

    /** The source file of an example, by its path from the repository root. */
    public static String source(String path) throws IOException {
        return Files.readString(root().resolve(path), StandardCharsets.UTF_8);
    }

    private static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("docs/integrations.md"))) {
                return dir;
            }
        }
        throw new IllegalStateException(
                "docs/integrations.md not found above " + Path.of("").toAbsolutePath());
    }
}
