import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Semantic search benchmark against a running server (bench/semantic.sh starts it). Prints one JSON object.
 *
 * <p>Quality: a generated labelled set: for each of {@code TEMPLATES} x {@code NAMES} a memory states a fact about a
 * person; its query asks for the same fact in other words (a paraphrase sharing at most the person's name).
 * recall@10 = share of queries whose memory is among the first 10 results, per mode.
 *
 * <p>Speed: messages of generated sentences appended to one namespace (batches of 100) up to each size; the time
 * until the worker reports nothing pending gives the embedding throughput; then semantic and hybrid queries, one
 * at a time, p50/p99 of the client-side latency (HTTP on loopback included).
 *
 * <p>Usage: java SemanticLoad.java BASE_URL API_KEY "10000 100000" QUERIES
 */
public class SemanticLoad {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern PENDING = Pattern.compile("\"pending\":(\\d+)");
    private static final Pattern ID = Pattern.compile("\"id\":\"((?:mem|msg)_[0-9a-f]{32})\"");

    /** A fact stated one way (memory) and asked another way (query); {N} is the person. */
    private static final String[][] TEMPLATES = {
        {"{N} moved to Lisbon last spring and rents a flat near the river.", "Which city does {N} live in now?"},
        {"{N} is allergic to peanuts and carries an epinephrine pen.", "What food must {N} avoid?"},
        {"{N} prefers to be contacted by email rather than by phone.", "How does {N} like to be reached?"},
        {"{N} works as a nurse on night shifts at the city hospital.", "What is {N}'s job?"},
        {"{N} drives an electric car and charges it at the office.", "What kind of vehicle does {N} own?"},
        {"{N} is learning Japanese for a trip to Tokyo in April.", "Which language is {N} studying?"},
        {"{N} has two cats called Pepper and Salt.", "Does {N} have any pets?"},
        {"{N} runs a marathon every autumn to raise money for charity.", "What sport does {N} do?"},
        {"{N}'s subscription renews on the first day of each month.", "When is {N} billed?"},
        {"{N} asked us to cancel the order and refund the card.", "Did {N} want money back?"},
        {"{N} is vegetarian and never eats meat or fish.", "What diet does {N} follow?"},
        {"{N} plays the cello in a community orchestra.", "Which instrument does {N} play?"},
        {"{N} broke a leg skiing and is recovering at home.", "Is {N} injured?"},
        {"{N} celebrates a birthday on the twelfth of March.", "When was {N} born?"},
        {"{N} uses a screen reader because of low vision.", "Does {N} need accessibility support?"},
        {"{N} is saving up to buy a house next year.", "What big purchase is {N} planning?"},
        {"{N} speaks German at home with the children.", "What language does {N}'s family use?"},
        {"{N} manages a team of twelve software engineers.", "How many people report to {N}?"},
        {"{N} cannot attend meetings before ten in the morning.", "When is {N} available for calls?"},
        {"{N} complained that the parcel arrived damaged.", "What was {N}'s problem with the delivery?"}
    };
    private static final String[] NAMES = {
        "Alice", "Bruno", "Chen", "Dana", "Emeka", "Farah", "Goran", "Hana", "Ivan", "Jia"
    };
    private static final String[] WORDS = ("account order delivery refund invoice password login billing plan upgrade "
                    + "support ticket question answer weather travel hotel flight booking dinner recipe garden music movie "
                    + "book school homework meeting calendar project deadline budget report team manager email phone "
                    + "address city country price discount coupon shipping parcel warranty repair battery screen laptop")
            .split(" ");

    public static void main(String[] args) throws Exception {
        String base = args[0];
        String key = args[1];
        int[] sizes = Arrays.stream(args[2].trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
        int queries = Integer.parseInt(args[3]);
        Map<String, Object> out = new LinkedHashMap<>();

        // quality
        String qns = "bench-quality";
        List<String> targets = new ArrayList<>();
        List<String> asks = new ArrayList<>();
        long t0 = System.nanoTime();
        for (String[] t : TEMPLATES) {
            for (String n : NAMES) {
                String body = "{\"kind\":\"long_term\",\"content\":\"" + t[0].replace("{N}", n) + "\"}";
                targets.add(match(ID, post(base + "/v1/namespaces/" + qns + "/memories", key, body)));
                asks.add(t[1].replace("{N}", n));
            }
        }
        double embedSeconds = awaitEmbedded(base, key, qns, t0);
        out.put("quality_items", targets.size());
        out.put("quality_embedding_texts_per_s", round(targets.size() / embedSeconds));
        Map<String, Object> recall = new LinkedHashMap<>();
        for (String mode : List.of("keyword", "semantic", "hybrid")) {
            int found = 0;
            for (int i = 0; i < asks.size(); i++) {
                String r = get(base + "/v1/namespaces/" + qns + "/search?limit=10&mode=" + mode + "&q="
                        + URLEncoder.encode(asks.get(i), StandardCharsets.UTF_8), key);
                if (r.contains(targets.get(i))) {
                    found++;
                }
            }
            recall.put(mode, round((double) found / asks.size()));
        }
        out.put("recall_at_10", recall);

        // speed
        String ns = "bench-load";
        Random random = new Random(42);
        String dialogue = match(Pattern.compile("\"id\":\"(dlg_[0-9a-f]{32})\""),
                post(base + "/v1/namespaces/" + ns + "/dialogues", key, "{\"title\":\"load\"}"));
        int have = 0;
        List<Map<String, Object>> levels = new ArrayList<>();
        for (int size : sizes) {
            long start = System.nanoTime();
            while (have < size) {
                StringBuilder batch = new StringBuilder("{\"messages\":[");
                int n = Math.min(100, size - have);
                for (int i = 0; i < n; i++) {
                    batch.append(i == 0 ? "" : ",")
                            .append("{\"role\":\"user\",\"content\":\"")
                            .append(sentence(random))
                            .append("\"}");
                }
                post(base + "/v1/namespaces/" + ns + "/dialogues/" + dialogue + "/messages", key, batch + "]}");
                have += n;
            }
            double appendSeconds = (System.nanoTime() - start) / 1e9;
            int added = size - (levels.isEmpty() ? 0 : (int) levels.getLast().get("messages"));
            double seconds = awaitEmbedded(base, key, ns, start);
            Map<String, Object> level = new LinkedHashMap<>();
            level.put("messages", size);
            level.put("append_s", round(appendSeconds));
            level.put("embedded_all_s", round(seconds));
            level.put("embedding_texts_per_s", round(added / seconds));
            long firstQuery = System.nanoTime();
            get(base + "/v1/namespaces/" + ns + "/search?mode=semantic&q=refund", key); // may rebuild the index
            level.put("first_query_ms", round((System.nanoTime() - firstQuery) / 1e6));
            for (String mode : List.of("semantic", "hybrid")) {
                for (int i = 0; i < 20; i++) {
                    get(base + "/v1/namespaces/" + ns + "/search?mode=" + mode + "&q=" + query(random), key);
                }
                double[] ms = new double[queries];
                for (int i = 0; i < queries; i++) {
                    String url = base + "/v1/namespaces/" + ns + "/search?mode=" + mode + "&q=" + query(random);
                    long q0 = System.nanoTime();
                    get(url, key);
                    ms[i] = (System.nanoTime() - q0) / 1e6;
                }
                Arrays.sort(ms);
                level.put(mode + "_p50_ms", round(ms[ms.length / 2]));
                level.put(mode + "_p99_ms", round(ms[(int) Math.ceil(ms.length * 0.99) - 1]));
            }
            levels.add(level);
            System.err.println("[bench-semantic] " + level);
        }
        out.put("levels", levels);
        System.out.println(json(out));
    }

    private static String sentence(Random r) {
        StringBuilder s = new StringBuilder();
        int n = 8 + r.nextInt(16);
        for (int i = 0; i < n; i++) {
            s.append(i == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
        }
        return s.append('.').toString();
    }

    private static String query(Random r) {
        return WORDS[r.nextInt(WORDS.length)] + "+" + WORDS[r.nextInt(WORDS.length)];
    }

    /** Polls until the namespace reports nothing pending; seconds since {@code since}. */
    private static double awaitEmbedded(String base, String key, String ns, long since) throws Exception {
        while (true) {
            String r = get(base + "/v1/namespaces/" + ns + "/search?mode=semantic&limit=1&q=x", key);
            if (match(PENDING, r).equals("0")) {
                return (System.nanoTime() - since) / 1e9;
            }
            Thread.sleep(200);
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static String match(Pattern p, String text) {
        Matcher m = p.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("unexpected response: " + text);
        }
        return m.group(1);
    }

    private static String get(String url, String key) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + key).GET());
    }

    private static String post(String url, String key, String body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static String send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> r = HTTP.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new IllegalStateException(r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    private static String json(Object value) {
        if (value instanceof Map<?, ?> map) {
            StringBuilder s = new StringBuilder("{");
            map.forEach((k, v) -> s.append(s.length() > 1 ? "," : "").append('"').append(k).append("\":").append(json(v)));
            return s.append('}').toString();
        }
        if (value instanceof List<?> list) {
            StringBuilder s = new StringBuilder("[");
            list.forEach(v -> s.append(s.length() > 1 ? "," : "").append(json(v)));
            return s.append(']').toString();
        }
        return String.valueOf(value).toLowerCase(Locale.ROOT).equals("nan") ? "null" : String.valueOf(value);
    }
}
