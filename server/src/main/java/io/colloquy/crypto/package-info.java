/** The key hierarchy and everything about it: sealing stored values, key rotation, BYOK, re-encryption, the master key. */
@NullMarked
package io.colloquy.crypto;

import org.jspecify.annotations.NullMarked;
