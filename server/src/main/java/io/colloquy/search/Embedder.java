package io.colloquy.search;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import jakarta.annotation.PreDestroy;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The sentence-embedding model, in-process: the quantized all-MiniLM-L6-v2 (384 dimensions) that ships inside
 * its Maven package (ONNX Runtime, CPU; nothing is downloaded). Loaded on first use, once per JVM. Every vector
 * it returns has unit length, so cosine similarity is a dot product. Deterministic: the same text gives the
 * same vector.
 *
 * <p>ONNX Runtime frees its native environment in a JVM shutdown hook of its own, which runs at the same time as
 * Spring's graceful shutdown: a model load or an embedding still running in it then crashes the JVM (SIGSEGV), before
 * requests are drained and PostgreSQL is stopped. So a SIGTERM or SIGINT first waits for the model calls in progress
 * and refuses new ones, and only then lets the JVM's shutdown begin.
 */
@Component
public class Embedder {
    public static final int DIMENSIONS = 384;
    /** Texts longer than this many characters are embedded by their beginning (the model reads 256 tokens). */
    static final int MAX_CHARS = 2_000;

    private static final Logger log = LoggerFactory.getLogger(Embedder.class);
    private static final Set<Embedder> LIVE = ConcurrentHashMap.newKeySet();
    private static final long QUIESCE_SECONDS = 30;
    private static final int CALL_BATCH = 8;

    static {
        for (String name : List.of("TERM", "INT")) {
            try {
                Signal signal = new Signal(name);
                SignalHandler[] previous = new SignalHandler[1];
                previous[0] = Signal.handle(signal, s -> {
                    LIVE.forEach(Embedder::quiesce);
                    if (previous[0] == SignalHandler.SIG_DFL) {
                        System.exit(128 + s.getNumber());
                    } else if (previous[0] != SignalHandler.SIG_IGN) {
                        previous[0].handle(s);
                    }
                });
            } catch (IllegalArgumentException unavailable) {
                // no such signal here, or the JVM keeps it (-Xrs): nothing to wait for before its shutdown
            }
        }
    }

    private final ReadWriteLock calls = new ReentrantReadWriteLock();
    private volatile boolean closed;
    private volatile AllMiniLmL6V2QuantizedEmbeddingModel model;

    Embedder() {
        LIVE.add(this);
    }

    @PreDestroy
    void forget() {
        LIVE.remove(this);
    }

    /** Waits (up to 30 s) for the model calls in progress and refuses new ones, for good. */
    void quiesce() {
        closed = true;
        try {
            if (!calls.writeLock().tryLock(QUIESCE_SECONDS, TimeUnit.SECONDS)) {
                log.warn("A model call still runs after {} s; shutting down anyway", QUIESCE_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private <T> T call(Function<AllMiniLmL6V2QuantizedEmbeddingModel, T> use) {
        // never blocks: once stopped, the write lock is held for good and a caller must fail at once, not hang
        if (closed || !calls.readLock().tryLock()) {
            throw new IllegalStateException("the embedding model is stopped: the server is shutting down");
        }
        try {
            return use.apply(model());
        } finally {
            calls.readLock().unlock();
        }
    }

    private AllMiniLmL6V2QuantizedEmbeddingModel model() {
        AllMiniLmL6V2QuantizedEmbeddingModel m = model;
        if (m == null) {
            synchronized (this) {
                m = model;
                if (m == null) {
                    m = new AllMiniLmL6V2QuantizedEmbeddingModel(Runnable::run);
                    model = m;
                }
            }
        }
        return m;
    }

    /** Loads the model now (the worker does at start, so no request or shutdown waits on a first load later). */
    void load() {
        call(m -> m);
    }

    /** One text's unit vector. */
    public float[] embed(String text) {
        return unit(call(m -> m.embed(clip(text))).content().vector());
    }

    /** Several texts' unit vectors, in order. */
    public List<float[]> embedAll(List<String> texts) {
        if (texts.isEmpty()) {
            return List.of();
        }
        List<float[]> out = new java.util.ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += CALL_BATCH) { // short calls: a shutdown waits for one only
            List<TextSegment> batch = texts.subList(from, Math.min(texts.size(), from + CALL_BATCH)).stream()
                    .map(t -> TextSegment.from(clip(t)))
                    .toList();
            call(m -> m.embedAll(batch)).content().forEach(e -> out.add(unit(e.vector())));
        }
        return out;
    }

    private static String clip(String text) {
        String t = text.isBlank() ? "(empty)" : text;
        return t.length() <= MAX_CHARS ? t : t.substring(0, MAX_CHARS);
    }

    static float[] unit(float[] v) {
        double norm = 0;
        for (float f : v) {
            norm += f * f;
        }
        norm = Math.sqrt(norm);
        if (norm == 0) {
            return v;
        }
        float[] u = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            u[i] = (float) (v[i] / norm);
        }
        return u;
    }
}
