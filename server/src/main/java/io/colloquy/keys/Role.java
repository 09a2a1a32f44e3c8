package io.colloquy.keys;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A user's role in a project, mapped onto the capabilities API keys have, so that one table (the route table's
 * access per route, decided by {@link ApiKeyAuthentication#allowed}) authorizes both: {@code viewer} reads,
 * {@code member} reads and writes content, {@code admin} also manages settings, keys and members, {@code owner} is
 * an admin who may also delete the project and make or remove owners.
 */
public enum Role {
    OWNER(Capability.ADMIN),
    ADMIN(Capability.ADMIN),
    MEMBER(Capability.WRITE),
    VIEWER(Capability.READ);

    private final Capability highest;

    Role(Capability highest) {
        this.highest = highest;
    }

    /** The capabilities of this role, exactly those of an API key granted {@code highest}. */
    public Set<Capability> capabilities() {
        return Capability.effective(EnumSet.of(highest));
    }

    /** Whether a holder of this role may give {@code other} to someone (never a role above their own). */
    public boolean mayGrant(Role other) {
        return this == OWNER || (this == ADMIN && other != OWNER);
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Role> fromWire(String name) {
        for (Role r : values()) {
            if (r.wireName().equals(name)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
