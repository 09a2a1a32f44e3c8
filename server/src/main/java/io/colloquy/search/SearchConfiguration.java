package io.colloquy.search;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

/** {@code colloquy.embeddings.*}. */
@Configuration
@EnableConfigurationProperties(EmbeddingSettings.class)
class SearchConfiguration {}
