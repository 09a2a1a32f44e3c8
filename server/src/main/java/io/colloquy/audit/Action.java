package io.colloquy.audit;

import java.util.Locale;
import java.util.Optional;

/** What happened to the entity. */
public enum Action {
    CREATED,
    UPDATED,
    DELETED,
    RESTORED,
    PURGED,
    /** A namespace export link was made ({@code export.created}) or used ({@code export.used}). */
    EXPORT_CREATED,
    EXPORT_USED,
    /** One run of the retention purge over a project; its purged events point at it. */
    RETENTION_RUN,
    /** Accounts (docs/accounts.md): a member was invited or joined, a user signed in or out, failed to, too often. */
    INVITED,
    JOINED,
    LOGIN,
    LOGIN_FAILED,
    LOGIN_ALERT,
    LOGOUT,
    SESSION_REVOKED,
    /** A webhook was disabled by the server (retries exhausted, or its receiver answered 410 Gone). */
    DISABLED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '.');
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
