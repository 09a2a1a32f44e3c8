/** Spring AI chat memory on Colloquy: {@link io.colloquy.springai.ColloquyChatMemoryRepository}. */
package io.colloquy.springai;
