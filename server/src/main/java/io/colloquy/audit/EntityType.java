package io.colloquy.audit;

import java.util.Locale;
import java.util.Optional;

/** What an audit event is about. */
public enum EntityType {
    PROJECT,
    KEY,
    DIALOGUE,
    MESSAGE,
    MEMORY,
    WEBHOOK,
    NAMESPACE,
    /** A user account (its sessions and sign-ins) and a user's membership in a project. */
    USER,
    MEMBER;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<EntityType> fromWire(String name) {
        for (EntityType t : values()) {
            if (t.wireName().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
