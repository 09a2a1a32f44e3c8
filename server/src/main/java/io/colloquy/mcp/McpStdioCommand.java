package io.colloquy.mcp;

import io.colloquy.platform.CliCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code ./colloquy mcp --url URL}: the MCP server over stdio for desktop agents, as a bridge to a server's
 * {@code /mcp}. Each JSON-RPC message read from stdin (one per line) is POSTed to {@code /mcp} with the API key from
 * {@code COLLOQUY_API_KEY} (never from the command line, where {@code ps} would show it); each JSON-RPC answer is
 * written to stdout as one line. So the tools, their checks and their isolation are exactly the server's; the bridge
 * holds no state but the negotiated protocol version, and starts no Spring context and no database (a standalone
 * command, see {@code META-INF/services}). A refusal of the HTTP request itself (no or bad key, rate limit, server
 * down) becomes a JSON-RPC error for that message carrying the contract's error body as {@code data}. Diagnostics go
 * to stderr: stdout carries the protocol only.
 */
public final class McpStdioCommand implements CliCommand {
    static final String KEY_VARIABLE = "COLLOQUY_API_KEY";
    /** JSON-RPC's "server error" range: the HTTP request was refused or failed. */
    private static final int HTTP_FAILURE = -32000;

    private static final int PARSE_ERROR = -32700;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Map<String, String> environment;
    private final InputStream in;
    private final PrintStream err;

    public McpStdioCommand() {
        this(System.getenv(), System.in, System.err);
    }

    McpStdioCommand(Map<String, String> environment, InputStream in, PrintStream err) {
        this.environment = environment;
        this.in = in;
        this.err = err;
    }

    @Override
    public List<String> words() {
        return List.of("mcp");
    }

    @Override
    public String usage() {
        return "mcp --url URL                  MCP over stdio for desktop agents, bridged to URL/mcp"
                + " (API key in COLLOQUY_API_KEY)";
    }

    @Override
    public int run(List<String> args, PrintStream out) {
        String url = null;
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--url") && i + 1 < args.size()) {
                url = args.get(++i);
            } else {
                return usage("unexpected argument " + (args.get(i).startsWith("--") ? args.get(i) : "(value hidden)")
                        + "; the API key is read from " + KEY_VARIABLE + ", never from the command line");
            }
        }
        if (url == null) {
            return usage("give --url, e.g. --url http://127.0.0.1:8080");
        }
        String key = environment.get(KEY_VARIABLE);
        if (key == null || key.isBlank()) {
            return usage("set " + KEY_VARIABLE + " to the API key the agent acts with");
        }
        URI endpoint;
        try {
            String base = url.replaceAll("/+$", "");
            endpoint = URI.create(base.endsWith("/mcp") ? base : base + "/mcp");
            if (!"http".equals(endpoint.getScheme()) && !"https".equals(endpoint.getScheme())) {
                return usage("--url must be an http or https URL");
            }
        } catch (IllegalArgumentException e) {
            return usage("--url is not a URL");
        }
        new Bridge(endpoint, key.strip(), out)
                .run(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
        return 0;
    }

    private int usage(String problem) {
        err.println("colloquy mcp: " + problem + "\nUsage: " + usage());
        return 2;
    }

    /** Forwards messages as they come (concurrently: an agent may wait on one call while sending another). */
    private final class Bridge {
        private final URI endpoint;
        private final String key;
        private final PrintStream out;
        private final HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        private final AtomicReference<@Nullable String> protocolVersion = new AtomicReference<>();

        Bridge(URI endpoint, String key, PrintStream out) {
            this.endpoint = endpoint;
            this.key = key;
            this.out = out;
        }

        void run(BufferedReader lines) {
            try (ExecutorService each = Executors.newVirtualThreadPerTaskExecutor()) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (!line.isBlank()) {
                        String message = line;
                        each.submit(() -> forward(message));
                    }
                }
            } catch (IOException e) {
                err.println("colloquy mcp: stdin: " + e.getMessage());
            }
        }

        private void forward(String line) {
            JsonNode message;
            try {
                message = JSON.readTree(line);
            } catch (JacksonException e) {
                write(error(null, PARSE_ERROR, "Parse error: not a JSON message", null));
                return;
            }
            JsonNode id = message.isObject() && message.has("method") ? message.get("id") : null;
            HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
                    .timeout(Duration.ofMinutes(2))
                    .header("Authorization", "Bearer " + key)
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json, text/event-stream")
                    .POST(HttpRequest.BodyPublishers.ofString(line, StandardCharsets.UTF_8));
            String version = protocolVersion.get();
            if (version != null) {
                request.header("MCP-Protocol-Version", version);
            }
            HttpResponse<String> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                err.println("colloquy mcp: " + endpoint + " did not answer: " + e.getMessage());
                if (id != null) {
                    write(error(id, HTTP_FAILURE, "The Colloquy server did not answer: " + e.getMessage(), null));
                }
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            answer(id, response);
        }

        private void answer(@Nullable JsonNode id, HttpResponse<String> response) {
            String body = response.body();
            if (response.statusCode() / 100 == 2) {
                String type = response.headers().firstValue("Content-Type").orElse("");
                List<String> messages = type.startsWith("text/event-stream") ? events(body) : List.of(body);
                for (String m : messages) {
                    if (!m.isBlank()) {
                        relay(m);
                    }
                }
                return;
            }
            JsonNode refusal = parse(body);
            String code = refusal == null ? "" : refusal.at("/error/code").asString("");
            String text = refusal == null ? "" : refusal.at("/error/message").asString("");
            err.println("colloquy mcp: HTTP " + response.statusCode() + " " + code + " " + text);
            if (id != null) {
                String reason = code.isEmpty() ? "HTTP " + response.statusCode() : code + ": " + text;
                write(error(id, HTTP_FAILURE, reason, refusal));
            }
        }

        /** One answer to stdout, as one line; the negotiated protocol version is kept for the next requests. */
        private void relay(String message) {
            JsonNode json = parse(message);
            if (json == null) {
                err.println("colloquy mcp: the server sent something that is not JSON; dropped");
                return;
            }
            JsonNode negotiated = json.at("/result/protocolVersion");
            if (negotiated.isString() && json.at("/result/serverInfo").isObject()) {
                protocolVersion.set(negotiated.asString());
            }
            write(json);
        }

        private static List<String> events(String stream) {
            List<String> out = new ArrayList<>();
            StringBuilder data = new StringBuilder();
            for (String line : stream.split("\r?\n", -1)) {
                if (line.startsWith("data:")) {
                    data.append(line.substring(5).strip());
                } else if (line.isEmpty() && !data.isEmpty()) {
                    out.add(data.toString());
                    data.setLength(0);
                }
            }
            if (!data.isEmpty()) {
                out.add(data.toString());
            }
            return out;
        }

        private static @Nullable JsonNode parse(String text) {
            try {
                return text.isBlank() ? null : JSON.readTree(text);
            } catch (JacksonException e) {
                return null;
            }
        }

        private static ObjectNode error(@Nullable JsonNode id, int code, String message, @Nullable JsonNode data) {
            ObjectNode response = JSON.createObjectNode().put("jsonrpc", "2.0");
            if (id == null) {
                response.putNull("id");
            } else {
                response.set("id", id);
            }
            ObjectNode error = response.putObject("error").put("code", code).put("message", message);
            if (data != null) {
                error.set("data", data);
            }
            return response;
        }

        private void write(JsonNode message) {
            byte[] line = (JSON.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8);
            synchronized (out) {
                out.write(line, 0, line.length);
                out.flush();
            }
        }
    }
}
