package io.colloquy.platform;

import java.time.Clock;
import java.time.Duration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The clock every time-dependent decision reads (microseconds, as PostgreSQL stores them), and the settings. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ColloquySettings.class)
@org.springframework.scheduling.annotation.EnableScheduling
class ClockConfiguration {
    @Bean
    Clock clock() {
        return Clock.tick(Clock.systemUTC(), Duration.ofNanos(1_000));
    }
}
