/** Configuration, the embedded PostgreSQL, database roles and migrations, ids, the command line. */
@NullMarked
package io.colloquy.platform;

import org.jspecify.annotations.NullMarked;
