/** Error responses, request ids, body limits, pagination and JSON settings shared by every feature. */
@NullMarked
package io.colloquy.web;

import org.jspecify.annotations.NullMarked;
