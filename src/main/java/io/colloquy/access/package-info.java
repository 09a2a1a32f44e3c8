/** IP allowlists (CIDR ranges) and, later, trusted proxies. */
@NullMarked
package io.colloquy.access;

import org.jspecify.annotations.NullMarked;
