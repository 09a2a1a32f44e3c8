/** Encrypted, signed backups of the embedded database and their verified restore. */
@NullMarked
package io.colloquy.backup;

import org.jspecify.annotations.NullMarked;
