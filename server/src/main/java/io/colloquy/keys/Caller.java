package io.colloquy.keys;

import java.util.Set;
import java.util.UUID;

/** Who sent a request: a project's API key, or the operator (project creation and plan changes only). */
public sealed interface Caller permits Caller.Key, Caller.Operator {

    /** A project's API key; {@code plan} is its project's plan, read with the key. */
    record Key(UUID projectId, UUID keyId, Set<Capability> capabilities, String plan) implements Caller {
        public Key {
            capabilities = Set.copyOf(Capability.effective(capabilities));
        }

        public boolean can(Capability capability) {
            return capabilities.contains(capability);
        }
    }

    record Operator() implements Caller {}
}
