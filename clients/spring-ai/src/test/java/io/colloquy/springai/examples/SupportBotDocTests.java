package io.colloquy.springai.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.client.DocExamples;
import org.junit.jupiter.api.Test;

/** docs/integrations.md shows {@link SupportBot} exactly as it compiles here. */
class SupportBotDocTests {
    @Test
    void theIntegrationsPageShowsTheCompiledExample() throws Exception {
        String path = "clients/spring-ai/src/test/java/io/colloquy/springai/examples/SupportBot.java";
        assertThat(DocExamples.shown(path)).isEqualTo(DocExamples.source(path));
    }
}
