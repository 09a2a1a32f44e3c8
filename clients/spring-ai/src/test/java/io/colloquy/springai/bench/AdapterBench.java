package io.colloquy.springai.bench;

import io.colloquy.client.ColloquyClient;
import io.colloquy.client.TestServer;
import io.colloquy.springai.ColloquyChatMemoryRepository;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.memory.repository.jdbc.JdbcChatMemoryRepository;
import org.springframework.ai.chat.memory.repository.jdbc.PostgresChatMemoryRepositoryDialect;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * Spring AI's {@link MessageWindowChatMemory} over Colloquy's repository and over Spring AI's JDBC repository, on the
 * same PostgreSQL (the test server's embedded one; the JDBC repository in a database of its own), one after the
 * other: appends per second, and rows and WAL bytes written per append, at conversation lengths 10, 200 and 1,000
 * (the window is the conversation's length, so each append evicts one message). Each repository first runs
 * {@value #WARM_UP} unmeasured appends at each length (JIT, caches, PostgreSQL's buffers), so both are measured warm.
 * Run by {@code bench/adapters.sh}; not a test.
 */
public final class AdapterBench {
    private static final int[] LENGTHS = {10, 200, 1000};
    private static final int WARM_UP = 50;

    private AdapterBench() {}

    public static void main(String[] args) throws Exception {
        int appends = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        TestServer server = TestServer.shared();
        Path data = Path.of("target/colloquy-test-data").toAbsolutePath();
        String password = Files.readString(data.resolve("secrets/postgres-superuser.password"), StandardCharsets.UTF_8)
                .strip();
        String port = Files.readAllLines(data.resolve("postgres/postmaster.pid"))
                .get(3)
                .strip();
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/";
        try (Connection admin = DriverManager.getConnection(url + "postgres", "postgres", password);
                Statement s = admin.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS bench_jdbc");
            s.execute("CREATE DATABASE bench_jdbc");
        }
        // one connection kept open (a pool of one): the JDBC repository pays no connection set-up per statement
        SingleConnectionDataSource jdbcData =
                new SingleConnectionDataSource(url + "bench_jdbc", "postgres", password, true);
        JdbcTemplate jdbc = new JdbcTemplate(jdbcData);
        jdbc.execute(new String(
                JdbcChatMemoryRepository.class
                        .getResourceAsStream(
                                "/org/springframework/ai/chat/memory/repository/jdbc/schema-postgresql.sql")
                        .readAllBytes(),
                StandardCharsets.UTF_8));
        ChatMemoryRepository jdbcRepository = JdbcChatMemoryRepository.builder()
                .jdbcTemplate(jdbc)
                .dialect(new PostgresChatMemoryRepositoryDialect())
                .build();
        ColloquyClient client = server.client(server.newProject());
        ChatMemoryRepository colloquy = new ColloquyChatMemoryRepository(client, "bench");

        System.out.printf(
                Locale.ROOT,
                "%-10s %6s %8s %12s %14s %16s%n",
                "repository",
                "L",
                "appends",
                "appends/s",
                "rows/append",
                "WAL bytes/append");
        try (Connection stats = DriverManager.getConnection(url + "postgres", "postgres", password)) {
            for (int length : LENGTHS) {
                run("colloquy", colloquy, length, appends, stats);
                run("jdbc", jdbcRepository, length, appends, stats);
            }
        }
        System.exit(0); // stops the test server through its shutdown hook
    }

    private static void run(String name, ChatMemoryRepository repository, int length, int appends, Connection stats)
            throws Exception {
        String conversation =
                name + "-" + length + "-" + UUID.randomUUID().toString().substring(0, 8);
        List<Message> start = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            start.add(i % 2 == 0 ? new UserMessage("question " + i) : new AssistantMessage("answer " + i));
        }
        repository.saveAll(conversation, start);
        ChatMemory memory = MessageWindowChatMemory.builder()
                .chatMemoryRepository(repository)
                .maxMessages(length)
                .build();
        for (int i = 0; i < WARM_UP; i++) {
            memory.add(conversation, new UserMessage("warm-up " + i));
        }
        boolean jdbc = name.equals("jdbc");
        long[] before = counters(stats, jdbc);
        long t0 = System.nanoTime();
        for (int i = 0; i < appends; i++) {
            memory.add(conversation, new UserMessage("turn " + i + ": " + "x".repeat(80)));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long[] after = counters(stats, jdbc);
        System.out.printf(
                Locale.ROOT,
                "%-10s %6d %8d %12.1f %14.1f %16.0f%n",
                name,
                length,
                appends,
                appends / seconds,
                (after[0] - before[0]) / (double) appends,
                (after[1] - before[1]) / (double) appends);
    }

    /**
     * Rows inserted, updated and deleted in the repository's database (bench_jdbc, or all the others: Colloquy's), and
     * the WAL position (all writers of the cluster: only one repository runs at a time).
     */
    private static long[] counters(Connection stats, boolean jdbc) throws Exception {
        Thread.sleep(1500); // other backends report their row counts when idle for a second
        try (Statement s = stats.createStatement()) {
            s.execute("SELECT pg_stat_clear_snapshot()");
            try (ResultSet r = s.executeQuery("SELECT (SELECT sum(tup_inserted + tup_updated + tup_deleted)"
                    + " FROM pg_stat_database WHERE (datname = 'bench_jdbc') = " + jdbc
                    + ")::bigint, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")) {
                r.next();
                return new long[] {r.getLong(1), r.getLong(2)};
            }
        }
    }
}
