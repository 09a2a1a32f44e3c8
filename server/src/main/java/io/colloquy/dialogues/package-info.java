/** Dialogues and their messages: HTTP, service and repository. */
@NullMarked
package io.colloquy.dialogues;

import org.jspecify.annotations.NullMarked;
