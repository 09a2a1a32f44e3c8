package io.colloquy.limits;

import io.github.bucket4j.TimeMeter;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The per-instance limiter, unless another {@link RateLimiter} bean (a shared one) is declared. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RateLimitSettings.class)
class RateLimitConfiguration {

    @Bean
    @ConditionalOnMissingBean(RateLimiter.class)
    RateLimiter localRateLimiter(RateLimitSettings settings) {
        return new LocalRateLimiter(settings.maxBuckets(), TimeMeter.SYSTEM_NANOTIME);
    }
}
