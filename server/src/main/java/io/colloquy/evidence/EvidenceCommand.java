package io.colloquy.evidence;

import io.colloquy.platform.CliCommand;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./colloquy evidence}: runs the probes against a deployment and writes {@code evidence.html} and
 * {@code evidence.json} into the output directory, and the verified checkpoint of your project's log into
 * {@code evidence-state.json} beside them, which the next run into the same directory proves its log consistent with.
 * Standalone (no database, no context of its own). Exit code 0 when no claim failed, 1 when one did, 2 on bad usage
 * or when the deployment could not be probed at all.
 */
public final class EvidenceCommand implements CliCommand {
    static final String STATE = "evidence-state.json";
    private final Map<String, String> environment;
    private final Clock clock;

    public EvidenceCommand() {
        this(System.getenv(), Clock.systemUTC());
    }

    EvidenceCommand(Map<String, String> environment, Clock clock) {
        this.environment = environment;
        this.clock = clock;
    }

    @Override
    public List<String> words() {
        return List.of("evidence");
    }

    @Override
    public String usage() {
        return "evidence --url URL --key ADMIN_KEY [--operator-token T] [--database-url URL] [--out DIR]"
                + " [--ca-cert PEM] [--max-key-age-days N]";
    }

    @Override
    public int run(List<String> args, PrintStream out) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--") || i + 1 >= args.size()) {
                return usage(out, "unexpected argument " + a);
            }
            o.put(a.substring(2), args.get(++i));
        }
        String url = o.get("url");
        String key = o.getOrDefault("key", environment.get("COLLOQUY_API_KEY"));
        if (url == null || key == null) {
            return usage(out, "give --url and --key (or COLLOQUY_API_KEY)");
        }
        Path dir = Path.of(o.getOrDefault("out", "evidence"));
        try {
            Files.createDirectories(dir);
            Path state = dir.resolve(STATE);
            JsonNode kept = Files.exists(state) ? Api.JSON.readTree(Files.readString(state)) : null;
            EvidenceRun.Options options = new EvidenceRun.Options(
                    url,
                    key,
                    o.getOrDefault("operator-token", environment.get("COLLOQUY_OPERATOR_TOKEN")),
                    o.getOrDefault("database-url", environment.get("COLLOQUY_EVIDENCE_DATABASE_URL")),
                    o.containsKey("ca-cert") ? Path.of(o.get("ca-cert")) : null,
                    Integer.parseInt(o.getOrDefault("max-key-age-days", "90")),
                    kept == null ? null : keptCheckpoint(kept));
            EvidenceRun.Outcome outcome = new EvidenceRun(options, clock).run();
            String json = Report.json(outcome);
            String sha = Report.sha256Of(json);
            Files.writeString(dir.resolve("evidence.json"), json, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("evidence.html"), Report.html(outcome, sha), StandardCharsets.UTF_8);
            if (outcome.checkpointToKeep() != null) {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("project", outcome.project());
                s.put("public_key", outcome.publicKey());
                s.put("checkpoint", Api.JSON.readTree(outcome.checkpointToKeep()));
                Files.writeString(state, Api.JSON.writeValueAsString(s) + "\n", StandardCharsets.UTF_8);
            }
            for (Evidence.Claim c : outcome.claims()) {
                out.printf("%-12s %s%n", c.status().label().toUpperCase(java.util.Locale.ROOT), c.title());
            }
            Evidence.Status verdict = Report.verdict(outcome.claims());
            out.println("Report: " + dir.resolve("evidence.html") + " (SHA-256 of evidence.json: " + sha + ")");
            return verdict == Evidence.Status.FAIL ? 1 : 0;
        } catch (NumberFormatException e) {
            return usage(out, "--max-key-age-days takes a number of days");
        } catch (Api.Unreachable e) {
            out.println("ERROR: the deployment did not answer: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            out.println("ERROR: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            out.println("ERROR: " + e.getMessage());
            return 2;
        }
    }

    private static @Nullable String keptCheckpoint(JsonNode state) {
        JsonNode cp = state.path("checkpoint");
        return cp.isObject() ? cp.toString() : null;
    }

    private int usage(PrintStream out, String problem) {
        out.println("ERROR: " + problem);
        out.println("Usage: ./colloquy " + usage());
        return 2;
    }
}
