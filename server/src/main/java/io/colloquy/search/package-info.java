/** Keyword search over a namespace's encrypted messages and memories (blind index, ranked after decryption). */
@NullMarked
package io.colloquy.search;

import org.jspecify.annotations.NullMarked;
