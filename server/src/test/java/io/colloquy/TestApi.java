package io.colloquy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.MissingNode;

/** A plain HTTP client for the server under test: what a client author would write. */
public final class TestApi {
    public static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Connects from 127.0.0.2, the trusted proxy of the test configuration. */
    private static final HttpClient FROM_PROXY = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .localAddress(java.net.InetAddress.ofLiteral("127.0.0.2"))
            .build();

    private final String base;
    private final HttpClient http;
    private final Map<String, String> headers;

    public TestApi(int port) {
        this("http://127.0.0.1:" + port, HTTP, Map.of());
    }

    private TestApi(String base, HttpClient http, Map<String, String> headers) {
        this.base = base;
        this.http = http;
        this.headers = headers;
    }

    /**
     * The same API reached through the trusted proxy (127.0.0.2 in the test configuration) on behalf of
     * {@code forwardedFor}, sent as {@code X-Forwarded-For}: what a client at that address looks like.
     */
    public TestApi viaProxy(String forwardedFor) {
        return new TestApi(base, FROM_PROXY, Map.of("X-Forwarded-For", forwardedFor));
    }

    /** The same API with an extra header on every request, sent straight from 127.0.0.1. */
    public TestApi withHeader(String name, String value) {
        var all = new java.util.HashMap<>(headers);
        all.put(name, value);
        return new TestApi(base, http, Map.copyOf(all));
    }

    /** A response: status, headers and the body as JSON (MissingNode when it is not JSON). */
    public record Response(int status, java.net.http.HttpHeaders headers, String body, JsonNode json) {
        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        public String text(String pointer) {
            return json.at(pointer).asString();
        }

        public String errorCode() {
            return json.at("/error/code").asString();
        }
    }

    public Response get(@Nullable String token, String path) {
        return send("GET", path, token, null, Map.of());
    }

    public Response delete(@Nullable String token, String path) {
        return send("DELETE", path, token, null, Map.of());
    }

    public Response post(@Nullable String token, String path, @Nullable String json) {
        return send("POST", path, token, json, json == null ? Map.of() : Map.of("Content-Type", "application/json"));
    }

    public Response patch(@Nullable String token, String path, String json) {
        return send("PATCH", path, token, json, Map.of("Content-Type", "application/json"));
    }

    public Response send(
            String method, String path, @Nullable String token, @Nullable String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        this.headers.forEach(b::header);
        headers.forEach(b::header);
        b.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json;
            try {
                json = r.body().isEmpty() ? MissingNode.getInstance() : JSON.readTree(r.body());
            } catch (RuntimeException notJson) {
                json = MissingNode.getInstance();
            }
            return new Response(r.statusCode(), r.headers(), r.body(), json);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** JSON text from alternating keys and values, e.g. {@code json("role", "user", "content", "hi")}. */
    /**
     * The status of a plain GET (no key) to a server on this machine, or -1 when it does not answer within
     * {@code timeout}: for probes of a server that may be down or going away.
     */
    public static int statusOrMinusOne(int port, String path, Duration timeout) {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                    .timeout(timeout)
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    public static String json(Object... keysAndValues) {
        var node = JSON.createObjectNode();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            node.set((String) keysAndValues[i], JSON.valueToTree(keysAndValues[i + 1]));
        }
        return node.toString();
    }
}
