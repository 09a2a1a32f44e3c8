package io.colloquy.audit;

import io.colloquy.platform.CliCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code ./colloquy audit verify}: checks a project's audit log from the outside, either through the API
 * (URL + admin key) or from a JSON-lines export and a checkpoint file. Runs without starting the server
 * or its database (registered as a standalone command, see {@code META-INF/services}). Exit code 0 when
 * the log verifies, 1 when it does not (the first bad seq is printed), 2 on bad usage or I/O errors.
 */
public final class AuditVerifyCommand implements CliCommand {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern PEM =
            Pattern.compile("-----BEGIN PUBLIC KEY-----(.*?)-----END PUBLIC KEY-----", Pattern.DOTALL);
    private final Map<String, String> environment;

    public AuditVerifyCommand() {
        this(System.getenv());
    }

    AuditVerifyCommand(Map<String, String> environment) {
        this.environment = environment;
    }

    @Override
    public List<String> words() {
        return List.of("audit", "verify");
    }

    @Override
    public String usage() {
        return "audit verify --url URL [--key ADMIN_KEY] [--public-key KEY] [--checkpoint KEPT.json]"
                + " [--save-checkpoint FILE]\n"
                + "  audit verify --events EXPORT.jsonl --checkpoint CHECKPOINT.json --public-key KEY";
    }

    @Override
    public int run(List<String> args, PrintStream out) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--") || i + 1 >= args.size()) {
                return usage(out, "unexpected argument " + a);
            }
            options.put(a.substring(2), args.get(++i));
        }
        try {
            long started = System.nanoTime();
            LogVerifier.Outcome outcome;
            if (options.containsKey("url")) {
                outcome = verifyApi(options, out);
            } else if (options.containsKey("events")) {
                outcome = verifyFile(options);
            } else {
                return usage(out, "give --url or --events");
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            if (outcome.ok()) {
                out.printf("OK: %s (%.0f events/s)%n", outcome.message(), outcome.events() / Math.max(seconds, 1e-9));
                return 0;
            }
            out.println(
                    outcome.firstBadSeq() == null
                            ? "FAILED: " + outcome.message()
                            : "FAILED at seq " + outcome.firstBadSeq() + ": " + outcome.message());
            return 1;
        } catch (UsageError e) {
            return usage(out, e.getMessage());
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            out.println("ERROR: " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println("ERROR: interrupted");
            return 2;
        }
    }

    private LogVerifier.Outcome verifyApi(Map<String, String> options, PrintStream out)
            throws IOException, InterruptedException {
        String key = options.getOrDefault("key", environment.get("COLLOQUY_API_KEY"));
        if (key == null) {
            throw new UsageError("give --key or set COLLOQUY_API_KEY");
        }
        Api api = new Api(options.get("url").replaceAll("/+$", ""), key);
        byte[] trusted;
        if (options.containsKey("public-key")) {
            trusted = publicKey(options.get("public-key"));
        } else {
            JsonNode presented = api.json("/v1/audit/public-key");
            trusted = Base64.getDecoder().decode(presented.path("public_key").asString(""));
            out.println("WARNING: trusting the key the server presents (" + SignedNote.keyId(trusted)
                    + "); pin it next time with --public-key "
                    + Base64.getEncoder().encodeToString(trusted));
        }
        JsonNode kept = options.containsKey("checkpoint") ? readJson(options.get("checkpoint")) : null;
        LogVerifier verifier = new LogVerifier(trusted);
        JsonNode[] checkpoint = {null};
        // The events first, then the checkpoint: every event sequenced by then is covered by it.
        LogVerifier.Outcome outcome = verifier.verify(
                new LogVerifier.Source() {
                    @Override
                    public Iterator<byte[]> events(long afterSeq) {
                        return api.lines("/v1/audit/events?format=jsonl&after_seq=" + afterSeq);
                    }

                    @Override
                    public boolean hasProofs() {
                        return true;
                    }

                    @Override
                    public @Nullable JsonNode consistency(long fromSize, long toSize) {
                        return api.optional("/v1/audit/consistency?from_size=" + fromSize + "&to_size=" + toSize);
                    }

                    @Override
                    public @Nullable JsonNode inclusion(long seq, long treeSize) {
                        return api.optional("/v1/audit/events/" + seq + "/proof?tree_size=" + treeSize);
                    }
                },
                () -> checkpoint[0] = api.checkpoint(),
                kept);
        if (outcome.ok() && options.containsKey("save-checkpoint")) {
            Files.writeString(Path.of(options.get("save-checkpoint")), checkpoint[0].toString() + "\n");
        }
        return outcome;
    }

    private LogVerifier.Outcome verifyFile(Map<String, String> options) throws IOException {
        if (!options.containsKey("checkpoint") || !options.containsKey("public-key")) {
            throw new UsageError(
                    "--events needs --checkpoint (the checkpoint taken after the export) and --public-key");
        }
        LogVerifier verifier = new LogVerifier(publicKey(options.get("public-key")));
        Path file = Path.of(options.get("events"));
        JsonNode checkpoint = readJson(options.get("checkpoint"));
        return verifier.verify(
                new LogVerifier.Source() {
                    @Override
                    public Iterator<byte[]> events(long afterSeq) {
                        if (afterSeq > 0) {
                            return List.<byte[]>of().iterator();
                        }
                        try {
                            return new JsonLines(Files.newInputStream(file));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }

                    @Override
                    public boolean hasProofs() {
                        return false;
                    }

                    @Override
                    public @Nullable JsonNode consistency(long fromSize, long toSize) {
                        return null;
                    }

                    @Override
                    public @Nullable JsonNode inclusion(long seq, long treeSize) {
                        return null;
                    }
                },
                () -> checkpoint,
                null);
    }

    /** A public key: base64 of the raw 32 bytes, a PEM block, or a file holding either (or the API's JSON). */
    static byte[] publicKey(String value) throws IOException {
        String text = value;
        Path path = Path.of(value);
        if (value.length() < 200 && Files.isRegularFile(path)) {
            text = Files.readString(path, StandardCharsets.UTF_8);
        }
        text = text.strip();
        if (text.startsWith("{")) {
            text = JSON.readTree(text).path("public_key").asString("");
        }
        Matcher pem = PEM.matcher(text);
        try {
            if (pem.find()) {
                return SignedNote.raw(
                        SignedNote.publicKey(lastBytes(Base64.getMimeDecoder().decode(pem.group(1)))));
            }
            byte[] raw = Base64.getDecoder().decode(text);
            SignedNote.publicKey(raw);
            return raw;
        } catch (IllegalArgumentException e) {
            throw new UsageError(
                    "--public-key must be base64 of a raw Ed25519 key, a PEM public key, or a file with one");
        }
    }

    private static byte[] lastBytes(byte[] spki) {
        return java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    }

    private static JsonNode readJson(String file) throws IOException {
        return JSON.readTree(Files.readString(Path.of(file), StandardCharsets.UTF_8));
    }

    private int usage(PrintStream out, String problem) {
        out.println("ERROR: " + problem);
        out.println("Usage: ./colloquy " + usage());
        return 2;
    }

    private static final class UsageError extends RuntimeException {
        UsageError(String message) {
            super(message);
        }
    }

    /** The few API calls the verifier makes, with the admin key. */
    private static final class Api {
        private final HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        private final String base;
        private final String key;

        Api(String base, String key) {
            this.base = base;
            this.key = key;
        }

        JsonNode json(String path) throws IOException, InterruptedException {
            HttpResponse<String> r = http.send(request(path), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
            }
            return JSON.readTree(r.body());
        }

        Iterator<byte[]> lines(String path) {
            try {
                HttpResponse<InputStream> r = http.send(request(path), HttpResponse.BodyHandlers.ofInputStream());
                if (r.statusCode() != 200) {
                    String body = new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
                    throw new IllegalStateException("GET " + path + " answered " + r.statusCode() + ": " + body);
                }
                return new JsonLines(r.body());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
        }

        @Nullable
        JsonNode optional(String path) {
            try {
                return json(path);
            } catch (IOException | IllegalStateException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }

        JsonNode checkpoint() {
            try {
                return json("/v1/audit/checkpoint");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
        }

        private HttpRequest request(String path) {
            return HttpRequest.newBuilder(URI.create(base + path))
                    .header("Authorization", "Bearer " + key)
                    .timeout(Duration.ofMinutes(10))
                    .GET()
                    .build();
        }
    }
}
