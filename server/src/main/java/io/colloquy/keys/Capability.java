package io.colloquy.keys;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** What a key may do: admin implies write implies read. */
public enum Capability {
    READ,
    WRITE,
    ADMIN;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String authority() {
        return "cap:" + wireName();
    }

    public static Optional<Capability> fromWire(String name) {
        for (Capability c : values()) {
            if (c.wireName().equals(name)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** The granted capabilities plus everything they imply. */
    public static Set<Capability> effective(Collection<Capability> granted) {
        EnumSet<Capability> out = EnumSet.noneOf(Capability.class);
        for (Capability c : granted) {
            for (Capability implied : values()) {
                if (implied.ordinal() <= c.ordinal()) {
                    out.add(implied);
                }
            }
        }
        return out;
    }
}
