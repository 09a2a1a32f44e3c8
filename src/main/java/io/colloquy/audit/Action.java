package io.colloquy.audit;

import java.util.Locale;
import java.util.Optional;

/** What happened to the entity. */
public enum Action {
    CREATED,
    UPDATED,
    DELETED,
    RESTORED,
    PURGED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Action> fromWire(String name) {
        for (Action a : values()) {
            if (a.wireName().equals(name)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
