package io.colloquy.keys;

import java.util.Set;
import java.util.UUID;

/**
 * Who sent a request: a project's API key, a signed-in user acting in one of their projects with their role there,
 * or the operator (project creation and plan changes only).
 */
public sealed interface Caller permits Caller.Key, Caller.User, Caller.Operator {

    /** A project's API key; {@code plan} is its project's plan, read with the key. */
    record Key(UUID projectId, UUID keyId, Set<Capability> capabilities, String plan) implements Caller {
        public Key {
            capabilities = Set.copyOf(Capability.effective(capabilities));
        }

        public boolean can(Capability capability) {
            return capabilities.contains(capability);
        }
    }

    /** A user's session acting in {@code projectId}, with the capabilities of their {@code role} there. */
    record User(UUID projectId, UUID userId, UUID sessionId, Role role, String plan) implements Caller {
        public Set<Capability> capabilities() {
            return role.capabilities();
        }

        public boolean can(Capability capability) {
            return capabilities().contains(capability);
        }
    }

    record Operator() implements Caller {}
}
