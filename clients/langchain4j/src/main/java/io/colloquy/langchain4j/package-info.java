/** LangChain4j chat memory on Colloquy: {@link io.colloquy.langchain4j.ColloquyChatMemoryStore}. */
package io.colloquy.langchain4j;
