package io.colloquy.platform;

/**
 * Whether the database is distributed (Citus: docs/scale-out.md). A few statements that are one round trip on
 * PostgreSQL (a change and its audit events as one statement with data-modifying {@code WITH} items) run as
 * consecutive statements of the same transaction on Citus, which cannot push such a statement down to a worker.
 */
public record Distribution(boolean citus) {}
