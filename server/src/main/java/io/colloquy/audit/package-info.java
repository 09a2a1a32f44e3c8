/**
 * The audit log: every change leaves an event, sequenced per project into an append-only RFC 9162
 * Merkle log with signed checkpoints, proofs, a JSON-lines export, a live stream and a verifier.
 */
@NullMarked
package io.colloquy.audit;

import org.jspecify.annotations.NullMarked;
