package io.colloquy.crypto;

import java.util.UUID;

/**
 * Published (synchronously, in the changing transaction) when a project's key is supplied, revoked or
 * rotated through the API, so the change is audited in the same transaction. Never holds key material.
 */
public record EncryptionKeyChanged(UUID projectId, String change, ProjectKeys.Status status) {}
