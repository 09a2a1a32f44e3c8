/**
 * The Colloquy Java client: {@link io.colloquy.client.ColloquyClient} reaches a Colloquy server over HTTP with
 * typed records for its resources, typed exceptions for its errors ({@link io.colloquy.client.ColloquyException}),
 * safe retries, lazy pagination, the audit stream ({@link io.colloquy.client.AuditLog#stream}) and client-side
 * verification of the audit log's signed checkpoints and Merkle proofs.
 */
package io.colloquy.client;
