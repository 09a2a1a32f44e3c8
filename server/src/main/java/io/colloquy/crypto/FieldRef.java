package io.colloquy.crypto;

import java.util.UUID;

/** Where a stored value lives: the binding an authenticated cipher uses as associated data. */
public record FieldRef(UUID projectId, String namespace, String table, UUID rowId, String column) {}
