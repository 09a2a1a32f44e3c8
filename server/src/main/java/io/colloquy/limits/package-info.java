/** Rate limits per project and per client address, and monthly plan quotas. */
@NullMarked
package io.colloquy.limits;

import org.jspecify.annotations.NullMarked;
