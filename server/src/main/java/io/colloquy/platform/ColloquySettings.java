package io.colloquy.platform;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Everything an operator configures, from {@code application.yaml} or the environment
 * ({@code COLLOQUY_DATA_DIR}, {@code COLLOQUY_OPERATOR_TOKEN}, {@code COLLOQUY_DATABASE_URL}, ...).
 */
@ConfigurationProperties("colloquy")
public record ColloquySettings(
        Path dataDir,
        @Nullable String operatorToken,
        Database database,
        Limits limits,
        String defaultPlan,
        Map<String, Plan> plans) {

    public ColloquySettings {
        if (!plans.containsKey(defaultPlan)) {
            throw new IllegalArgumentException(
                    "colloquy.default-plan '" + defaultPlan + "' is not one of colloquy.plans");
        }
        plans = Map.copyOf(plans);
    }

    /** An external PostgreSQL when {@code url} is set; the embedded one otherwise. */
    public record Database(
            @Nullable String url,
            String ownerUser,
            @Nullable String ownerPassword,
            String appUser,
            @Nullable String appPassword,
            int poolSize,
            @Nullable Duration connectionTimeout,
            @Nullable String sslmode,
            @Nullable String sslrootcert) {

        /** How long a request waits for a pool connection before failing with 503 (the database is down). */
        static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofMillis(1500);

        public boolean external() {
            return url != null && !url.isBlank();
        }

        public Duration connectionTimeoutOrDefault() {
            return connectionTimeout == null ? DEFAULT_CONNECTION_TIMEOUT : connectionTimeout;
        }
    }

    public record Limits(long maxBodyBytes, int messageContentMaxChars, int memoryContentMaxChars) {}

    /** A plan: requests per second (0 = unlimited), monthly quotas and retention defaults (null = none). */
    public record Plan(
            int ratePerSecond,
            @Nullable Integer monthlyDialogues,
            @Nullable Integer monthlyMessages,
            @Nullable Integer monthlyMemories,
            @Nullable Integer dialogueDays,
            @Nullable Integer shortTermMemoryDays,
            @Nullable Integer longTermMemoryDays) {}
}
