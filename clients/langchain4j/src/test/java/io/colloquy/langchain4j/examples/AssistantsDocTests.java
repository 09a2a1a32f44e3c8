package io.colloquy.langchain4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.client.DocExamples;
import org.junit.jupiter.api.Test;

/** docs/integrations.md shows {@link Assistants} exactly as it compiles here. */
class AssistantsDocTests {
    @Test
    void theIntegrationsPageShowsTheCompiledExample() throws Exception {
        String path = "clients/langchain4j/src/test/java/io/colloquy/langchain4j/examples/Assistants.java";
        assertThat(DocExamples.shown(path)).isEqualTo(DocExamples.source(path));
    }
}
