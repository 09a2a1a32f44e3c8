package io.colloquy.client.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.client.DocExamples;
import org.junit.jupiter.api.Test;

/** docs/integrations.md shows {@link ClientExample} exactly as it compiles here. */
class ClientExampleDocTests {
    @Test
    void theIntegrationsPageShowsTheCompiledExample() throws Exception {
        String path = "clients/java/src/test/java/io/colloquy/client/examples/ClientExample.java";
        assertThat(DocExamples.shown(path)).isEqualTo(DocExamples.source(path));
    }
}
