package io.colloquy.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Every HTTP exchange of the client: JSON in and out, errors mapped to {@link ColloquyException}s, and retries that
 * are safe: on 429 and 503 (the server did nothing) and on connection failures, with exponential back-off, full
 * jitter and the server's {@code Retry-After} as the least wait; never on another 4xx. A POST always carries an
 * {@code Idempotency-Key} (the same on every retry), so a retry of a POST whose answer was lost gets the original
 * answer instead of doing it twice. PATCH and DELETE are retried only when the request cannot have reached the
 * server (connection refused) or the server answered 429/503.
 */
final class Transport {
    static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private final HttpClient http;
    private final URI base;
    private final String apiKey;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Duration requestTimeout;

    Transport(
            HttpClient http,
            URI base,
            String apiKey,
            int maxAttempts,
            Duration initialBackoff,
            Duration maxBackoff,
            Duration requestTimeout) {
        this.http = http;
        this.base = base;
        this.apiKey = apiKey;
        this.maxAttempts = maxAttempts;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.requestTimeout = requestTimeout;
    }

    /** The base URI with an absolute API path appended (a base with a path prefix keeps it). */
    URI uri(String path) {
        String b = base.toString();
        return URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + path);
    }

    HttpClient http() {
        return http;
    }

    URI base() {
        return base;
    }

    String apiKey() {
        return apiKey;
    }

    /** An answer: status, body, and the response. */
    record Answer(int status, JsonNode body, java.net.http.HttpHeaders headers) {}

    <T> T get(String path, Class<T> type) {
        return convert(call("GET", path, null, null).body(), JSON.constructType(type));
    }

    <T> T post(String path, Object body, Class<T> type) {
        return convert(call("POST", path, body, null).body(), JSON.constructType(type));
    }

    <T> Page<T> page(String path, Class<T> item) {
        JsonNode body = call("GET", path, null, null).body();
        JavaType list = JSON.getTypeFactory().constructCollectionType(List.class, item);
        List<T> data = convert(body.path("data"), list);
        JsonNode next = body.get("next_cursor");
        return new Page<>(data, next == null || next.isNull() ? null : next.asText());
    }

    static <T> T convert(JsonNode node, JavaType type) {
        return JSON.convertValue(node, type);
    }

    static <T> T convert(JsonNode node, TypeReference<T> type) {
        return JSON.convertValue(node, type);
    }

    static <T> T convert(JsonNode node, Class<T> type) {
        return JSON.convertValue(node, type);
    }

    /**
     * Sends a request with retries and answers the successful response (2xx); throws the mapped error otherwise.
     * {@code idempotencyKey} is used for a POST (a new one is drawn when null).
     */
    Answer call(String method, String path, Object body, String idempotencyKey) {
        String key = method.equals("POST") ? (idempotencyKey == null ? newIdempotencyKey() : idempotencyKey) : null;
        byte[] bytes = body == null ? null : write(body);
        for (int attempt = 1; ; attempt++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
                    .timeout(requestTimeout)
                    .header("Accept", "application/json")
                    .method(
                            method,
                            bytes == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofByteArray(bytes));
            if (apiKey != null) {
                b.header("Authorization", "Bearer " + apiKey);
            }
            if (bytes != null) {
                b.header("Content-Type", "application/json");
            }
            if (key != null) {
                b.header("Idempotency-Key", key);
            }
            HttpResponse<byte[]> response;
            try {
                response = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                boolean unsent = e instanceof ConnectException || e instanceof HttpConnectTimeoutException;
                boolean retryable = unsent || !(method.equals("PATCH") || method.equals("DELETE"));
                if (!retryable || attempt >= maxAttempts) {
                    throw new ColloquyException(
                            "CONNECTION_FAILED", "Could not reach the server: " + method + " " + path, e);
                }
                pause(backoff(attempt), -1);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ColloquyException("INTERRUPTED", "Interrupted: " + method + " " + path, e);
            }
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                byte[] payload = response.body();
                return new Answer(status, payload.length == 0 ? JSON.nullNode() : read(payload), response.headers());
            }
            long retryAfter = retryAfterSeconds(response);
            if ((status == 429 || status == 503) && attempt < maxAttempts) {
                pause(backoff(attempt), retryAfter);
                continue;
            }
            throw error(status, response.body(), response.headers().firstValue("X-Request-Id"), retryAfter);
        }
    }

    /** A GET whose body is streamed to the caller (an export): retried like a GET until the response starts. */
    InputStream stream(URI uri, boolean withKey) {
        for (int attempt = 1; ; attempt++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET();
            if (withKey && apiKey != null) {
                b.header("Authorization", "Bearer " + apiKey);
            }
            try {
                HttpResponse<InputStream> response = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    return response.body();
                }
                byte[] body;
                try (InputStream in = response.body()) {
                    body = in.readAllBytes();
                }
                long retryAfter = retryAfterSeconds(response);
                if ((status == 429 || status == 503) && attempt < maxAttempts) {
                    pause(backoff(attempt), retryAfter);
                    continue;
                }
                throw error(status, body, response.headers().firstValue("X-Request-Id"), retryAfter);
            } catch (IOException e) {
                if (attempt >= maxAttempts) {
                    throw new ColloquyException("CONNECTION_FAILED", "Could not reach the server: GET " + uri, e);
                }
                pause(backoff(attempt), -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ColloquyException("INTERRUPTED", "Interrupted: GET " + uri, e);
            }
        }
    }

    static String newIdempotencyKey() {
        return UUID.randomUUID().toString();
    }

    /** Full jitter: uniformly in [0, min(max, initial * 2^(attempt-1))]. */
    Duration backoff(int attempt) {
        long cap = Math.min(maxBackoff.toMillis(), initialBackoff.toMillis() << Math.min(attempt - 1, 20));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(cap + 1));
    }

    static void pause(Duration backoff, long retryAfterSeconds) {
        long millis = Math.max(backoff.toMillis(), retryAfterSeconds < 0 ? 0 : retryAfterSeconds * 1000);
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ColloquyException("INTERRUPTED", "Interrupted while waiting to retry", e);
        }
    }

    static long retryAfterSeconds(HttpResponse<?> response) {
        Optional<String> value = response.headers().firstValue("Retry-After");
        try {
            return value.map(v -> Long.parseLong(v.trim())).orElse(-1L);
        } catch (NumberFormatException httpDate) {
            return -1;
        }
    }

    static ColloquyException error(int status, byte[] body, Optional<String> requestIdHeader, long retryAfter) {
        JsonNode error;
        try {
            error = JSON.readTree(body).path("error");
        } catch (IOException | RuntimeException notJson) {
            error = JSON.missingNode();
        }
        String code = error.path("code").asText("HTTP_" + status);
        String type = error.path("type").asText("api_error");
        String message = error.path("message").asText("HTTP " + status);
        String requestId =
                error.hasNonNull("request_id") ? error.get("request_id").asText() : requestIdHeader.orElse(null);
        switch (status) {
            case 400 -> {
                List<ColloquyException.FieldProblem> fields = new ArrayList<>();
                for (JsonNode f : error.path("fields")) {
                    fields.add(new ColloquyException.FieldProblem(
                            f.path("field").asText(), f.path("problem").asText()));
                }
                return new ColloquyException.Validation(status, code, type, message, requestId, fields);
            }
            case 401 -> {
                return new ColloquyException.Unauthenticated(status, code, type, message, requestId);
            }
            case 403 -> {
                return new ColloquyException.Forbidden(status, code, type, message, requestId);
            }
            case 404 -> {
                return new ColloquyException.NotFound(status, code, type, message, requestId);
            }
            case 409 -> {
                return new ColloquyException.Conflict(status, code, type, message, requestId);
            }
            case 429 -> {
                return new ColloquyException.RateLimited(status, code, type, message, requestId, retryAfter);
            }
            default -> {
                return new ColloquyException(status, code, type, message, requestId);
            }
        }
    }

    static byte[] write(Object body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("not serialisable as JSON: " + body, e);
        }
    }

    static JsonNode read(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new ColloquyException("BAD_RESPONSE", "The server's answer is not JSON", e);
        }
    }

    /** A JSON object of the non-null values among alternating names and values. */
    static Map<String, Object> object(Object... namesAndValues) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] != null) {
                out.put((String) namesAndValues[i], namesAndValues[i + 1]);
            }
        }
        return out;
    }
}
