/** API keys: issue, hash, verify, revoke; the authentication filter and capabilities. */
@NullMarked
package io.colloquy.keys;

import org.jspecify.annotations.NullMarked;
