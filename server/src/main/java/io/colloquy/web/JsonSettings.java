package io.colloquy.web;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.config.annotation.ContentNegotiationConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.type.LogicalType;

/**
 * Strict JSON: snake_case names, no silent type coercion ("1" is not a number, 1 is not a string),
 * duplicate keys refused, trailing tokens refused, numbers in trees kept exact (see {@link Metadata}).
 */
@Configuration(proxyBeanMethods = false)
class JsonSettings {

    /**
     * Every response is JSON whatever {@code Accept} says ({@code Accept: application/xml} gets JSON,
     * not a 406 the contract does not know); {@code *}{@code /*} keeps the few non-JSON responses
     * (JSON lines, metrics) servable.
     */
    @Bean
    WebMvcConfigurer jsonWhateverTheAcceptHeader() {
        return new WebMvcConfigurer() {
            @Override
            public void configureContentNegotiation(ContentNegotiationConfigurer negotiation) {
                negotiation.ignoreAcceptHeader(true).defaultContentType(MediaType.APPLICATION_JSON, MediaType.ALL);
            }
        };
    }

    @Bean
    JsonMapperBuilderCustomizer strictJson() {
        return builder -> {
            builder.addModule(new tools.jackson.databind.module.SimpleModule("well-formed-text")
                            .addDeserializer(String.class, new WellFormedText.Strings()))
                    .nodeFactory(new WellFormedText.Nodes())
                    .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                    // numbers in JSON trees (metadata) arrive exactly as sent, so Metadata can refuse
                    // what a double cannot hold instead of storing Infinity, 0.0 or a rounded value
                    .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                    .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .withCoercionConfigDefaults(c -> c.setAcceptBlankAsEmpty(false))
                    .withCoercionConfig(
                            LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                    .withCoercionConfig(
                            LogicalType.Integer, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                    .withCoercionConfig(
                            LogicalType.Boolean, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
                    .withCoercionConfig(
                            LogicalType.Collection, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
                    .withCoercionConfig(
                            LogicalType.Map, c -> c.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail));
        };
    }
}
