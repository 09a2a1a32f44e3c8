/**
 * {@code ./colloquy evidence}: every security claim turned into live probes against a running deployment (its API,
 * and read-only checks of its database when given one), written as a report a reviewer can read and diff.
 */
@NullMarked
package io.colloquy.evidence;

import org.jspecify.annotations.NullMarked;
