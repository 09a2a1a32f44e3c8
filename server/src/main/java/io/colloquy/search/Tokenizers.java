package io.colloquy.search;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import io.colloquy.web.ValidationFailed;
import java.util.Locale;
import org.springframework.stereotype.Component;

/**
 * Token counts with the real byte-pair encodings of OpenAI's model families (JTokkit, pure Java, the encodings
 * ship in its jar): a model name ({@code gpt-4o}, {@code gpt-4.1-mini}, {@code o3}, {@code gpt-4},
 * {@code gpt-3.5-turbo}) or an encoding's own name ({@code o200k_base}, {@code cl100k_base}, {@code p50k_base},
 * {@code r50k_base}). Other families (Claude, Llama, Gemini, Mistral) have no public tokenizer here: they are
 * refused rather than counted wrongly; {@code cl100k_base} is a fair estimate for them, asked for by name.
 */
@Component
class Tokenizers {
    static final String DEFAULT_MODEL = "gpt-4o";
    private final EncodingRegistry registry = Encodings.newLazyEncodingRegistry();

    /** The encoding of a model family or encoding name; 400 on the {@code model} parameter for any other. */
    Encoding forModel(String model) {
        String m = model.strip().toLowerCase(Locale.ROOT);
        for (EncodingType type : EncodingType.values()) {
            if (type.getName().equals(m)) {
                return registry.getEncoding(type);
            }
        }
        if (m.startsWith("gpt-4o")
                || m.startsWith("gpt-4.1")
                || m.startsWith("gpt-4.5")
                || m.startsWith("gpt-5")
                || m.matches("o[1-9](-.*)?")) {
            return registry.getEncoding(EncodingType.O200K_BASE);
        }
        if (m.startsWith("gpt-4") || m.startsWith("gpt-3.5")) {
            return registry.getEncoding(EncodingType.CL100K_BASE);
        }
        return registry.getEncodingForModel(m)
                .orElseThrow(() -> ValidationFailed.of(
                        "model",
                        "must be an OpenAI model name (gpt-4o, gpt-4.1, o3, gpt-4, gpt-3.5-turbo, ...) or an encoding"
                                + " (o200k_base, cl100k_base, p50k_base, r50k_base)"));
    }
}
