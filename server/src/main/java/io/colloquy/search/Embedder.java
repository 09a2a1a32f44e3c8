package io.colloquy.search;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * The sentence-embedding model, in-process: the quantized all-MiniLM-L6-v2 (384 dimensions) that ships inside
 * its Maven package (ONNX Runtime, CPU; nothing is downloaded). Loaded on first use, once per JVM. Every vector
 * it returns has unit length, so cosine similarity is a dot product. Deterministic: the same text gives the
 * same vector.
 */
@Component
public class Embedder {
    public static final int DIMENSIONS = 384;
    /** Texts longer than this many characters are embedded by their beginning (the model reads 256 tokens). */
    static final int MAX_CHARS = 2_000;

    private volatile AllMiniLmL6V2QuantizedEmbeddingModel model;

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

    /** One text's unit vector. */
    public float[] embed(String text) {
        return unit(model().embed(clip(text)).content().vector());
    }

    /** Several texts' unit vectors, in order. */
    public List<float[]> embedAll(List<String> texts) {
        if (texts.isEmpty()) {
            return List.of();
        }
        return model()
                .embedAll(texts.stream().map(t -> TextSegment.from(clip(t))).toList())
                .content()
                .stream()
                .map(e -> unit(e.vector()))
                .toList();
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
