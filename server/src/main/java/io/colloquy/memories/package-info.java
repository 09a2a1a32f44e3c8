/** Memories of a namespace, short and long term. */
@NullMarked
package io.colloquy.memories;

import org.jspecify.annotations.NullMarked;
