package io.colloquy.evidence;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.MissingNode;

/** The deployment's HTTP API as the probes call it: the JDK's client, the JDK's trust store (or a given CA). */
final class Api {
    static final JsonMapper JSON = JsonMapper.builder().build();

    private final String base;
    private final HttpClient http;
    private final SSLContext tls;

    Api(String base, @Nullable Path caCertificate) throws IOException, GeneralSecurityException {
        this.base = base.replaceAll("/+$", "");
        this.tls = caCertificate == null ? SSLContext.getDefault() : trusting(caCertificate);
        this.http = HttpClient.newBuilder()
                .sslContext(tls)
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    String base() {
        return base;
    }

    URI uri() {
        return URI.create(base);
    }

    SSLContext tls() {
        return tls;
    }

    /** An answer: status, headers, body, and the body as JSON (missing when it is not JSON). */
    record Response(int status, HttpHeaders headers, String body, JsonNode json) {
        @Nullable
        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        String text(String pointer) {
            return json.at(pointer).asString("");
        }

        String errorCode() {
            return json.at("/error/code").asString("");
        }

        /** "404 NOT_FOUND", "200": how the report names an answer. */
        String summary() {
            String code = errorCode();
            return code.isEmpty() ? Integer.toString(status) : status + " " + code;
        }
    }

    Response get(@Nullable String token, String path) {
        return send("GET", path, token, null, Map.of());
    }

    /** The body of a 200 answer to a GET, or null for any other answer. */
    @Nullable
    String bodyOf(String token, String path) {
        Response r = get(token, path);
        return r.status() == 200 ? r.body() : null;
    }

    Response delete(@Nullable String token, String path) {
        return send("DELETE", path, token, null, Map.of());
    }

    Response post(@Nullable String token, String path, @Nullable Object body) {
        return send("POST", path, token, body, Map.of());
    }

    Response patch(@Nullable String token, String path, Object body) {
        return send("PATCH", path, token, body, Map.of());
    }

    Response put(@Nullable String token, String path, Object body) {
        return send("PUT", path, token, body, Map.of());
    }

    /** Sends one request; a body is written as JSON; a URL outside the API (an export link) is taken as given. */
    Response send(
            String method, String path, @Nullable String token, @Nullable Object body, Map<String, String> headers) {
        URI uri =
                path.startsWith("http://") || path.startsWith("https://") ? URI.create(path) : URI.create(base + path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        headers.forEach(b::header);
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json");
            b.method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        }
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
            throw new Unreachable(method + " " + path + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable("interrupted");
        }
    }

    /** The deployment did not answer at all. */
    static final class Unreachable extends RuntimeException {
        Unreachable(String message) {
            super(message);
        }
    }

    private static SSLContext trusting(Path pem) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
