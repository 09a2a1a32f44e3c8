/** Projects: creation with the first key, plans, settings, deletion, and the command-line project commands. */
@NullMarked
package io.colloquy.projects;

import org.jspecify.annotations.NullMarked;
