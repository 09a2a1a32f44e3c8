import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Mixed traffic for a soak test: each worker owns a namespace and a dialogue and cycles through appends, reads of
 * the last messages, dialogue lists, memory writes and reads, and keyword searches, pausing PAUSE_MS between
 * requests. Stops by itself after SECONDS. Every INTERVAL seconds it runs SAMPLER (a shell command printing the
 * server's resource figures on one line) and prints one line: the sampler's figures, then the requests, non-2xx
 * answers and latency p50/p99 of that interval.
 * Usage: java SoakLoad.java BASE_URL API_KEY SECONDS WORKERS PAUSE_MS INTERVAL SAMPLER
 */
public class SoakLoad {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ConcurrentLinkedQueue<Long> LATENCIES = new ConcurrentLinkedQueue<>();
    private static final AtomicLong FAILURES = new AtomicLong();

    public static void main(String[] args) throws Exception {
        String base = args[0];
        String key = args[1];
        int seconds = Integer.parseInt(args[2]);
        int workers = Integer.parseInt(args[3]);
        long pauseMillis = Long.parseLong(args[4]);
        int interval = Integer.parseInt(args[5]);
        String sampler = args[6];
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(seconds).toNanos();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < workers; w++) {
                int worker = w;
                pool.submit(() -> work(base, key, "soak-" + worker, deadline, pauseMillis));
            }
            System.out.println("minute  " + run(sampler).replaceAll("=[^ ]*", "") + " requests non_2xx p50_ms p99_ms");
            System.out.println("start   " + run(sampler));
            for (int tick = 1; System.nanoTime() < deadline; tick++) {
                long next = start + Duration.ofSeconds((long) tick * interval).toNanos();
                Thread.sleep(Math.max(0, Duration.ofNanos(Math.min(next, deadline) - System.nanoTime()).toMillis()));
                report(String.format("%-7s ", tick * interval / 60.0 == tick * interval / 60
                        ? Integer.toString(tick * interval / 60)
                        : String.format("%.1f", tick * interval / 60.0)), sampler);
            }
        }
    }

    private static void report(String label, String sampler) {
        List<Long> drained = new ArrayList<>();
        for (Long l; (l = LATENCIES.poll()) != null; ) {
            drained.add(l);
        }
        long[] sorted = drained.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(
                "%s%s requests=%d non_2xx=%d p50_ms=%.1f p99_ms=%.1f%n",
                label,
                run(sampler),
                sorted.length,
                FAILURES.getAndSet(0),
                percentile(sorted, 0.50),
                percentile(sorted, 0.99));
        System.out.flush();
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    private static Void work(String base, String key, String ns, long deadline, long pauseMillis) throws Exception {
        String nsBase = base + "/v1/namespaces/" + ns;
        String dialogue = field(send("POST", nsBase + "/dialogues", key, "{\"title\":\"soak\"}"), "\"id\":\"(dlg_[0-9a-f]+)\"");
        String messages = nsBase + "/dialogues/" + dialogue + "/messages";
        String append = "{\"role\":\"user\",\"content\":\"a soak message about the weather in Lisbon, turn %d\"}";
        String memory = "{\"kind\":\"long_term\",\"content\":\"remembers that turn %d mentioned Lisbon\"}";
        for (long i = 0; System.nanoTime() < deadline; i++) {
            switch ((int) (i % 8)) {
                case 0, 1, 2 -> timed("POST", messages, key, append.formatted(i));
                case 3, 4 -> timed("GET", messages + "?limit=50", key, null);
                case 5 -> timed("GET", nsBase + "/dialogues?limit=20", key, null);
                case 6 -> timed("POST", nsBase + "/memories", key, memory.formatted(i));
                default -> timed("GET", nsBase + "/search?q=lisbon", key, null);
            }
            if (pauseMillis > 0) {
                Thread.sleep(pauseMillis);
            }
        }
        return null;
    }

    private static void timed(String method, String url, String key, String body) {
        long t0 = System.nanoTime();
        int status;
        try {
            HttpResponse<Void> r = HTTP.send(request(method, url, key, body), HttpResponse.BodyHandlers.discarding());
            status = r.statusCode();
        } catch (IOException e) {
            status = -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        LATENCIES.add(System.nanoTime() - t0);
        if (status / 100 != 2) {
            FAILURES.incrementAndGet();
        }
    }

    private static String send(String method, String url, String key, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(request(method, url, key, body), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    private static HttpRequest request(String method, String url, String key, String body) {
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private static String run(String command) {
        try {
            Process p = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor();
            return out;
        } catch (IOException | InterruptedException e) {
            return "sampler-failed";
        }
    }

    static String field(String json, String regex) {
        Matcher m = Pattern.compile(regex).matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("not found in " + json);
        }
        return m.group(1);
    }
}
