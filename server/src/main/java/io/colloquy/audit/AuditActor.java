package io.colloquy.audit;

import io.colloquy.platform.Ids;
import java.util.UUID;
import java.util.regex.Pattern;

/** Who made a change: {@code api_key} (its id), {@code user} or {@code system} (operator, cli, server). */
public record AuditActor(String type, String id) {
    private static final Pattern TYPE = Pattern.compile("api_key|user|system");

    public AuditActor {
        if (!TYPE.matcher(type).matches() || id.isEmpty() || id.length() > 128) {
            throw new IllegalArgumentException("invalid audit actor");
        }
    }

    public static AuditActor apiKey(UUID keyId) {
        return new AuditActor("api_key", Ids.format("key", keyId));
    }

    public static AuditActor user(UUID userId) {
        return new AuditActor("user", Ids.format("usr", userId));
    }

    public static AuditActor system(String id) {
        return new AuditActor("system", id);
    }
}
