/** Sealing and opening stored content values. */
@NullMarked
package io.colloquy.crypto;

import org.jspecify.annotations.NullMarked;
