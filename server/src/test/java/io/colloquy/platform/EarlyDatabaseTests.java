package io.colloquy.platform;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colloquy.ColloquyApplication;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;

/** Starting the database early changes when it starts, not how a bad configuration or a failed start is reported. */
class EarlyDatabaseTests {

    @Test
    void leavesAnInvalidConfigurationToTheContextToReport() {
        assertThatThrownBy(() -> start("--colloquy.default-plan=no-such-plan"))
                .isInstanceOf(BeanCreationException.class) // from the context, not from the early start
                .rootCause()
                .hasMessageContaining("no-such-plan");
    }

    @Test
    void failsTheStartWithTheDatabasesOwnError() {
        assertThatThrownBy(() -> start(
                        "--colloquy.database.url=jdbc:postgresql://127.0.0.1:1/nowhere",
                        "--colloquy.database.owner-password=x",
                        "--colloquy.database.app-password=x"))
                .isInstanceOf(BeanCreationException.class)
                .rootCause()
                .isInstanceOf(ConnectException.class);
    }

    private static void start(String... args) {
        new SpringApplicationBuilder(ColloquyApplication.class)
                .listeners(new EarlyDatabase())
                .web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off")
                .run(args)
                .close();
    }
}
