package io.colloquy.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A client of one Colloquy server for one API key (so for one project). Thread-safe; create one and share it.
 *
 * <pre>{@code
 * ColloquyClient colloquy = ColloquyClient.builder()
 *         .url("http://localhost:8080")
 *         .apiKey(System.getenv("COLLOQUY_API_KEY"))
 *         .build();
 * NamespaceClient alice = colloquy.namespace("alice");
 * Dialogue chat = alice.dialogueByKey("chat-42", null).dialogue();
 * alice.append(chat.id(), NewMessage.user("Hello"));
 * alice.messages(chat.id()).forEach(m -> System.out.println(m.role() + ": " + m.content()));
 * }</pre>
 */
public final class ColloquyClient {
    private final Transport transport;
    private final AuditLog audit;

    private ColloquyClient(Builder b) {
        HttpClient http = b.httpClient != null
                ? b.httpClient
                : HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(b.connectTimeout)
                        .build();
        this.transport =
                new Transport(http, b.url, b.apiKey, b.maxAttempts, b.initialBackoff, b.maxBackoff, b.requestTimeout);
        this.audit = new AuditLog(transport, b.auditPublicKey);
    }

    /** A builder; {@link Builder#url} and {@link Builder#apiKey} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The operations of one namespace ({@code ^[A-Za-z0-9._:-]{1,128}$}): dialogues, messages, memories, search. */
    public NamespaceClient namespace(String namespace) {
        return new NamespaceClient(transport, namespace);
    }

    /** The API key's project. */
    public Project project() {
        return transport.get("/v1/project", Project.class);
    }

    /** Every API key of the project (admin); never their secrets. */
    public Stream<ApiKey> keys() {
        return Paging.stream(cursor -> transport.page(
                "/v1/keys?limit=200" + (cursor == null ? "" : "&cursor=" + NamespaceClient.query(cursor)),
                ApiKey.class));
    }

    /**
     * Creates an API key (admin); the answer alone carries its secret in {@link ApiKey#key()}.
     *
     * @param name a name for people, or null
     * @param capabilities read, write and/or admin
     */
    public ApiKey createKey(String name, List<String> capabilities) {
        return transport.post("/v1/keys", Transport.object("name", name, "capabilities", capabilities), ApiKey.class);
    }

    /** Revokes an API key (admin): refused from the very next request on. */
    public void revokeKey(String keyId) {
        transport.call("DELETE", "/v1/keys/" + NamespaceClient.segment(keyId), null, null);
    }

    /**
     * The project's audit log (admin): events, the live stream, and signed checkpoints and proofs verified here; it
     * remembers the last checkpoint it verified and refuses a server whose history does not extend it.
     */
    public AuditLog audit() {
        return audit;
    }

    /** Settings of a {@link ColloquyClient}. */
    public static final class Builder {
        private URI url;
        private String apiKey;
        private HttpClient httpClient;
        private int maxAttempts = 5;
        private Duration initialBackoff = Duration.ofMillis(200);
        private Duration maxBackoff = Duration.ofSeconds(5);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(60);
        private String auditPublicKey;

        private Builder() {}

        /** The server's base URL, such as {@code http://localhost:8080}. */
        public Builder url(String url) {
            return url(URI.create(url));
        }

        /** The server's base URL. */
        public Builder url(URI url) {
            this.url = Objects.requireNonNull(url, "url");
            return this;
        }

        /** The API key ({@code cq_key_...}). */
        public Builder apiKey(String apiKey) {
            this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
            return this;
        }

        /** How many times a request is tried in all (default 5; 1 = no retry). */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1");
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** The back-off before the first retry, doubled for each next one (default 200 ms, full jitter). */
        public Builder initialBackoff(Duration initialBackoff) {
            this.initialBackoff = Objects.requireNonNull(initialBackoff);
            return this;
        }

        /** The longest back-off between two tries (default 5 s); a longer {@code Retry-After} is still honoured. */
        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = Objects.requireNonNull(maxBackoff);
            return this;
        }

        /** The time one request may take (default 60 s). */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = Objects.requireNonNull(requestTimeout);
            return this;
        }

        /** The time to open a connection (default 10 s); ignored with {@link #httpClient}. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Objects.requireNonNull(connectTimeout);
            return this;
        }

        /** The {@link HttpClient} to use (default: a new HTTP/1.1 client). */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = Objects.requireNonNull(httpClient);
            return this;
        }

        /**
         * The audit log's Ed25519 public key (base64 of the raw 32 bytes, {@code public_key} of {@code GET
         * /v1/audit/public-key}) to verify checkpoints with. Pin it: without it, the key is fetched from the server
         * once and trusted from then on.
         */
        public Builder auditPublicKey(String base64) {
            this.auditPublicKey = base64;
            return this;
        }

        /** The client. */
        public ColloquyClient build() {
            Objects.requireNonNull(url, "url is required");
            Objects.requireNonNull(apiKey, "apiKey is required");
            return new ColloquyClient(this);
        }
    }
}
