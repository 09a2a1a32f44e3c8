import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop load: sends requests at a fixed arrival rate, whatever the server's answer times (wrk is closed-loop:
 * a slow answer delays the next request, which hides queueing). Each latency is measured from the request's
 * scheduled send time, not from when it was actually sent, so a stall counts for every request it delayed (no
 * coordinated omission). At most MAX_IN_FLIGHT requests are outstanding; when all are, the next send waits (and
 * its latency keeps counting from its scheduled time). Requests of the first WARMUP seconds are sent at the same
 * rate but not measured. Loopback only; stops by itself (each request times out after 10 s).
 * Prints one JSON object: rate, seconds, sent, p50_ms, p99_ms, p999_ms, max_ms, non_2xx, errors, achieved_rps,
 * max_send_lag_ms (how far behind its schedule the generator itself ever got, before any wait for a slot: CPU
 * starvation of the generator) and in_flight_limit_waits (sends that waited for a slot: the server fell behind).
 * Usage: BENCH_KEY=cq_... java OpenLoad.java BASE_URL GET|POST RATE WARMUP SECONDS MAX_IN_FLIGHT PATH[,PATH...]
 * POST sends one 100-character user message as JSON; several paths are used in turn.
 */
public class OpenLoad {
    private static final String CONTENT = "benchmark message body 0123456789 ".repeat(3).substring(0, 100);
    private static final String BODY = "{\"role\":\"user\",\"content\":\"" + CONTENT + "\"}";

    public static void main(String[] args) throws Exception {
        URI base = URI.create(args[0]);
        if (!Set.of("127.0.0.1", "localhost", "[::1]").contains(base.getHost())) {
            throw new IllegalArgumentException("loopback only: " + base);
        }
        String method = args[1];
        double rate = Double.parseDouble(args[2]);
        int warmup = Integer.parseInt(args[3]);
        int seconds = Integer.parseInt(args[4]);
        int maxInFlight = Integer.parseInt(args[5]);
        List<String> paths = Arrays.asList(args[6].split(","));
        String key = System.getenv("BENCH_KEY");
        if (key == null || rate <= 0 || seconds <= 0 || !Set.of("GET", "POST").contains(method)) {
            throw new IllegalArgumentException("usage: see the class comment");
        }
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        HttpRequest[] requests = paths.stream()
                .map(p -> {
                    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(p))
                            .timeout(Duration.ofSeconds(10))
                            .header("Authorization", "Bearer " + key);
                    return (method.equals("POST")
                                    ? b.header("Content-Type", "application/json")
                                            .POST(HttpRequest.BodyPublishers.ofString(BODY))
                                    : b.GET())
                            .build();
                })
                .toArray(HttpRequest[]::new);

        int unmeasured = (int) Math.round(rate * warmup);
        int measured = (int) Math.round(rate * seconds);
        long[] latencies = new long[measured]; // nanoseconds; -1 = no answer (error or timeout)
        AtomicLong non2xx = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long maxLag = 0; // how late the generator itself got to a send (CPU starvation, not the server)
        long limitWaits = 0; // sends that had to wait for a free in-flight slot (the server fell behind)
        Semaphore inFlight = new Semaphore(maxInFlight);
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        for (int i = 0; i < unmeasured + measured; i++) {
            long scheduled = start + (long) (i * 1e9 / rate);
            for (long wait; (wait = scheduled - System.nanoTime()) > 0; ) {
                LockSupport.parkNanos(wait);
            }
            boolean measuring = i >= unmeasured;
            if (measuring) {
                maxLag = Math.max(maxLag, System.nanoTime() - scheduled);
            }
            if (!inFlight.tryAcquire()) {
                limitWaits += measuring ? 1 : 0;
                if (!inFlight.tryAcquire(15, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no request finished within 15 s");
                }
            }
            int slot = i - unmeasured;
            http.sendAsync(requests[i % requests.length], HttpResponse.BodyHandlers.discarding())
                    .whenComplete((response, failure) -> {
                        long latency = System.nanoTime() - scheduled;
                        if (slot >= 0) {
                            if (failure != null) {
                                errors.incrementAndGet();
                                latencies[slot] = -1;
                            } else {
                                if (response.statusCode() / 100 != 2) {
                                    non2xx.incrementAndGet();
                                }
                                latencies[slot] = latency;
                            }
                        }
                        inFlight.release();
                    });
        }
        long sendEnd = System.nanoTime();
        if (!inFlight.tryAcquire(maxInFlight, 15, TimeUnit.SECONDS)) { // also makes every latency visible here
            throw new IllegalStateException("requests still in flight 15 s after the last send");
        }
        long[] answered = Arrays.stream(latencies).filter(l -> l >= 0).sorted().toArray();
        double measuredSeconds = (sendEnd - (start + (long) (unmeasured * 1e9 / rate))) / 1e9;
        System.out.println(String.format(
                Locale.ROOT,
                "{\"rate\":%.1f,\"seconds\":%d,\"sent\":%d,\"p50_ms\":%s,\"p99_ms\":%s,\"p999_ms\":%s,"
                        + "\"max_ms\":%s,\"non_2xx\":%d,\"errors\":%d,\"achieved_rps\":%.1f,\"max_send_lag_ms\":%.2f,"
                        + "\"in_flight_limit_waits\":%d}",
                rate,
                seconds,
                measured,
                percentile(answered, 0.50),
                percentile(answered, 0.99),
                percentile(answered, 0.999),
                percentile(answered, 1.0),
                non2xx.get(),
                errors.get(),
                measured / measuredSeconds,
                maxLag / 1e6,
                limitWaits));
    }

    /** Nearest-rank percentile in milliseconds, or JSON null when nothing was answered. */
    private static String percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return "null";
        }
        long nanos = sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
        return String.format(Locale.ROOT, "%.2f", nanos / 1e6);
    }
}
