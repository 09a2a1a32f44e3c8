/** IP allowlists (CIDR ranges) and the client address behind trusted proxies. */
@NullMarked
package io.colloquy.access;

import org.jspecify.annotations.NullMarked;
