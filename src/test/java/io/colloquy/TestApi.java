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
    private final String base;

    public TestApi(int port) {
        this.base = "http://127.0.0.1:" + port;
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
        headers.forEach(b::header);
        b.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
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
    public static String json(Object... keysAndValues) {
        var node = JSON.createObjectNode();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            node.set((String) keysAndValues[i], JSON.valueToTree(keysAndValues[i + 1]));
        }
        return node.toString();
    }
}
