package io.colloquy.keys;

import io.colloquy.web.NotFound;

/** No such key in this project. */
final class KeyNotFound extends NotFound {
    KeyNotFound() {
        super("API key not found.");
    }
}
