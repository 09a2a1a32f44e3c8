package io.colloquy.client;

import java.util.List;
import java.util.Map;

/**
 * The fields of a dialogue to create; every one may be null.
 *
 * @param key the application's own id for it ({@code ^[A-Za-z0-9._:@~+=-]{1,256}$}, unique in the namespace)
 * @param title its title (at most 512 characters)
 * @param metadata a free-form JSON object
 * @param tags at most 32 tags of 1 to 64 characters
 */
public record NewDialogue(String key, String title, Map<String, Object> metadata, List<String> tags) {
    /** A dialogue with nothing but a title. */
    public static NewDialogue titled(String title) {
        return new NewDialogue(null, title, null, null);
    }

    /** A dialogue with nothing but the application's own key. */
    public static NewDialogue keyed(String key) {
        return new NewDialogue(key, null, null, null);
    }
}
