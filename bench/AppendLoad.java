import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Appends single messages to one dialogue per worker for a while and prints appends per second.
 * Usage: java AppendLoad.java BASE_URL OPERATOR_TOKEN SECONDS WORKERS
 */
public class AppendLoad {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public static void main(String[] args) throws Exception {
        String base = args[0];
        String operator = args[1];
        int seconds = Integer.parseInt(args[2]);
        int workers = Integer.parseInt(args[3]);
        String key = field(post(base + "/v1/projects", operator, "{\"name\":\"bench\"}"), "key\":\\{[^}]*\"key\":\"([^\"]+)\"");
        AtomicLong done = new AtomicLong();
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds + 2).toNanos();
        long measureFrom = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        AtomicLong measured = new AtomicLong();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < workers; w++) {
                int worker = w;
                pool.submit(() -> {
                    String dialogue = field(post(base + "/v1/namespaces/bench-" + worker + "/dialogues", key, "{\"title\":\"bench\"}"), "\"id\":\"(dlg_[0-9a-f]+)\"");
                    String path = base + "/v1/namespaces/bench-" + worker + "/dialogues/" + dialogue + "/messages";
                    while (System.nanoTime() < deadline) {
                        post(path, key, "{\"role\":\"user\",\"content\":\"a message of about the size of a chat turn, with some words in it\"}");
                        done.incrementAndGet();
                        if (System.nanoTime() > measureFrom) {
                            measured.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
        }
        System.out.printf("%.1f%n", measured.get() / (double) seconds);
    }

    static String post(String url, String token, String body) {
        try {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .header("Authorization", "Bearer " + token)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 201) {
                throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
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
