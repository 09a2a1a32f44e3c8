/** Provable deletion (receipts), namespace erasure, GDPR export, recovery window and retention. */
@NullMarked
package io.colloquy.governance;

import org.jspecify.annotations.NullMarked;
