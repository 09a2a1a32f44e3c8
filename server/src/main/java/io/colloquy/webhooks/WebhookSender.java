package io.colloquy.webhooks;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.util.Timeout;
import org.jspecify.annotations.Nullable;

/**
 * Sends one delivery: a POST to the checked {@link EgressGuard.Target}, connecting to ITS address (the
 * client's only name resolution answers with it, so the name is never resolved again: no DNS rebinding),
 * while TLS still sends and verifies the host name (SNI, certificate). No redirects, no retries, no
 * cookies, no proxy, no connection reuse; 5 s to connect, 10 s for the whole exchange; at most 64 KiB of
 * the response body is read, then the connection is dropped.
 */
class WebhookSender {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration TOTAL_TIMEOUT = Duration.ofSeconds(10);
    static final int MAX_RESPONSE_BYTES = 64 * 1024;

    /** What came back: the status code (null when none did) or what went wrong, and how long it took. */
    record Outcome(@Nullable Integer status, @Nullable String error, long latencyMillis) {
        boolean success() {
            return status != null && status >= 200 && status < 300;
        }
    }

    private final SSLContext tls;
    private final Set<HttpPost> inFlight = ConcurrentHashMap.newKeySet();

    WebhookSender(SSLContext tls) {
        this.tls = tls;
    }

    Outcome send(EgressGuard.Target target, Map<String, String> headers, byte[] body) {
        long start = System.nanoTime();
        HttpPost post = new HttpPost(target.uri());
        headers.forEach(post::setHeader);
        post.setHeader("User-Agent", "Colloquy-Webhooks/1");
        post.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
        inFlight.add(post);
        CompletableFuture.delayedExecutor(TOTAL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .execute(post::cancel);
        int[] status = {-1};
        boolean[] cut = {false};
        try (CloseableHttpClient client = client(target.address())) {
            client.execute(post, response -> {
                status[0] = response.getCode();
                drain(response.getEntity(), post, cut);
                return null;
            });
            return new Outcome(status[0], null, millisSince(start));
        } catch (IOException | RuntimeException e) {
            if (status[0] != -1 && (cut[0] || !post.isCancelled())) {
                return new Outcome(status[0], null, millisSince(start)); // the body was cut short: not our business
            }
            String why =
                    post.isCancelled() ? "timed out or stopped" : e.getClass().getSimpleName();
            return new Outcome(null, why, millisSince(start));
        } finally {
            inFlight.remove(post);
            post.cancel();
        }
    }

    /** Aborts every delivery in flight (the worker is stopping); they count as failed and are sent again. */
    void abortAll() {
        inFlight.forEach(HttpPost::cancel);
    }

    private CloseableHttpClient client(InetAddress checked) {
        DnsResolver only = new DnsResolver() {
            @Override
            public InetAddress[] resolve(String host) {
                return new InetAddress[] {checked};
            }

            @Override
            public String resolveCanonicalHostname(String host) {
                return host;
            }
        };
        return HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDnsResolver(only)
                        .setTlsSocketStrategy(ClientTlsStrategyBuilder.create()
                                .setSslContext(tls)
                                .buildClassic())
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(Timeout.of(CONNECT_TIMEOUT))
                                .setSocketTimeout(Timeout.of(TOTAL_TIMEOUT))
                                .build())
                        .setMaxConnTotal(1)
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setRedirectsEnabled(false)
                        .setResponseTimeout(Timeout.of(TOTAL_TIMEOUT))
                        .build())
                .setConnectionReuseStrategy((request, response, context) -> false)
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableContentCompression()
                .build();
    }

    /**
     * Reads at most {@value #MAX_RESPONSE_BYTES} bytes of the body and discards them; a longer body drops the
     * connection (closing the stream would otherwise read the rest).
     */
    private static void drain(@Nullable HttpEntity entity, HttpPost post, boolean[] cut) throws IOException {
        if (entity == null) {
            return;
        }
        try (InputStream in = entity.getContent()) {
            byte[] buffer = new byte[8192];
            int total = 0;
            int n;
            while (total < MAX_RESPONSE_BYTES
                    && (n = in.read(buffer, 0, Math.min(buffer.length, MAX_RESPONSE_BYTES - total))) > 0) {
                total += n;
            }
            if (total >= MAX_RESPONSE_BYTES) {
                cut[0] = true;
                post.abort();
            }
        }
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
