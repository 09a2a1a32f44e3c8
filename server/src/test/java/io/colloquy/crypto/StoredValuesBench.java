package io.colloquy.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;
import java.util.stream.DoubleStream;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import org.junit.jupiter.api.Test;

/**
 * Field opens per second when reading a page of 50 messages of ~100 characters, the implementation
 * before cipher pooling (inline below) against {@link StoredValues} now, single-threaded and with 8
 * threads, in one run (not part of the suite: the name does not end in Tests; run it with
 * {@code ./mvnw test -Dtest=StoredValuesBench -Dsurefire.failIfNoSpecifiedTests=false}, figures on stdout).
 */
class StoredValuesBench {
    private static final int FIELDS = 50;
    private static final long MILLIS = Long.getLong("bench.millis", 1_000);
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 5);

    @Test
    void fieldOpensPerSecond() throws Exception {
        SecretKey key = aesKey();
        UUID project = UUID.randomUUID();
        List<FieldRef> refs = new ArrayList<>();
        List<byte[]> stored = new ArrayList<>();
        for (int i = 0; i < FIELDS; i++) {
            FieldRef ref = new FieldRef(project, "bench", "messages", UUID.randomUUID(), "content");
            refs.add(ref);
            stored.add(StoredValues.seal(ref, 1, key, ("message " + i + " ").repeat(10)));
        }
        for (int i = 0; i < FIELDS; i++) {
            assertThat(openBefore(refs.get(i), stored.get(i), 1, key))
                    .isEqualTo(StoredValues.open(refs.get(i), stored.get(i), 1, key));
        }
        IntConsumer before = i -> openBefore(refs.get(i), stored.get(i), 1, key);
        IntConsumer after = i -> StoredValues.open(refs.get(i), stored.get(i), 1, key);

        SecretKey other = aesKey();
        List<byte[]> storedUnderOther = new ArrayList<>();
        for (int i = 0; i < FIELDS; i++) {
            storedUnderOther.add(StoredValues.seal(refs.get(i), 1, other, ("message " + i + " ").repeat(10)));
        }
        Cipher reused = Cipher.getInstance("AES/GCM/NoPadding");
        IntConsumer sameKey = i -> reinitAndOpen(reused, key, refs.get(i), stored.get(i));
        IntConsumer keyChanges = i -> {
            if (i % 2 == 0) {
                reinitAndOpen(reused, key, refs.get(i), stored.get(i));
            } else {
                reinitAndOpen(reused, other, refs.get(i), storedUnderOther.get(i));
            }
        };

        Map<String, List<Rate>> rates = new LinkedHashMap<>();
        for (int round = 1; round <= ROUNDS; round++) {
            rates.computeIfAbsent("before, 1 thread", k -> new ArrayList<>()).add(run(1, before));
            rates.computeIfAbsent("after,  1 thread", k -> new ArrayList<>()).add(run(1, after));
            rates.computeIfAbsent("before, 8 threads", k -> new ArrayList<>()).add(run(8, before));
            rates.computeIfAbsent("after,  8 threads", k -> new ArrayList<>()).add(run(8, after));
        }
        for (int round = 1; round <= ROUNDS; round++) {
            rates.computeIfAbsent("one reused cipher, always the same key", k -> new ArrayList<>())
                    .add(run(1, sameKey));
            rates.computeIfAbsent("one reused cipher, the key alternates between two", k -> new ArrayList<>())
                    .add(run(1, keyChanges));
        }
        System.out.printf(
                Locale.ROOT, "%-52s %18s %22s   (median of %d rounds)%n", "", "opens/s", "opens/CPU-second", ROUNDS);
        rates.forEach((what, all) -> System.out.printf(
                Locale.ROOT,
                "%-52s %,18.0f %,22.0f%n",
                what,
                median(all.stream().mapToDouble(Rate::wall)),
                median(all.stream().mapToDouble(Rate::cpu))));
    }

    /** Field opens per second of wall-clock time and per second of CPU time of the threads doing them. */
    private record Rate(double wall, double cpu) {}

    private static double median(DoubleStream values) {
        double[] sorted = values.sorted().toArray();
        return sorted[sorted.length / 2];
    }

    /** {@code StoredValues.open} as it was: a new {@code Cipher} per field. */
    private static String openBefore(FieldRef ref, byte[] stored, int version, SecretKey key) {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, stored, 5, 12));
            c.updateAAD(StoredValues.aad(ref, version));
            return new String(c.doFinal(stored, 17, stored.length - 17), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Opens {@code stored} with one long-lived cipher, re-initialised for {@code key}. */
    private static void reinitAndOpen(Cipher c, SecretKey key, FieldRef ref, byte[] stored) {
        try {
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, stored, 5, 12));
            c.updateAAD(StoredValues.aad(ref, 1));
            c.doFinal(stored, 17, stored.length - 17);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Opens per second: each thread reads the page of {@link #FIELDS} over and over. */
    private static Rate run(int threads, IntConsumer open) throws InterruptedException {
        for (int i = 0; i < 20_000; i++) {
            open.accept(i % FIELDS);
        }
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        LongAdder done = new LongAdder();
        LongAdder cpuNanos = new LongAdder();
        CountDownLatch start = new CountDownLatch(1);
        long[] window = new long[2];
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                pool.submit(() -> {
                    start.await();
                    long cpuStart = cpu.getCurrentThreadCpuTime();
                    long end = window[1];
                    while (System.nanoTime() < end) {
                        for (int i = 0; i < FIELDS; i++) {
                            open.accept(i);
                        }
                        done.add(FIELDS);
                    }
                    cpuNanos.add(cpu.getCurrentThreadCpuTime() - cpuStart);
                    return null;
                });
            }
            window[0] = System.nanoTime();
            window[1] = window[0] + MILLIS * 1_000_000;
            start.countDown();
        }
        long wall = System.nanoTime() - window[0];
        return new Rate(done.sum() * 1e9 / wall, done.sum() * 1e9 / cpuNanos.sum());
    }

    private static SecretKey aesKey() throws GeneralSecurityException {
        KeyGenerator generator = KeyGenerator.getInstance("AES");
        generator.init(256);
        return generator.generateKey();
    }
}
