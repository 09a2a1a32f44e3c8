package io.colloquy.platform;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * With {@code -Dcolloquy.test.citus=true} (the citus profile's test execution, see server/pom.xml), every Spring
 * integration test runs against the coordinator of the shared {@link CitusCluster} instead of the embedded
 * PostgreSQL: the external-database mode, as a deployment on Citus runs. Without the property it does nothing.
 */
public final class CitusTestDatabase implements ContextCustomizerFactory {
    public static final String PROPERTY = "colloquy.test.citus";

    public static boolean active() {
        return Boolean.getBoolean(PROPERTY);
    }

    @Override
    public @Nullable ContextCustomizer createContextCustomizer(
            Class<?> testClass, List<ContextConfigurationAttributes> configAttributes) {
        return active() ? new OnCitus() : null;
    }

    /** One value for every test class, so they all share one application context as on the embedded database. */
    record OnCitus() implements ContextCustomizer {
        @Override
        public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
            CitusCluster cluster = CitusCluster.require();
            context.getEnvironment()
                    .getPropertySources()
                    .addFirst(new MapPropertySource(
                            "citus-cluster",
                            Map.of(
                                    "colloquy.database.url", cluster.plainCoordinatorUrl(),
                                    "colloquy.database.sslmode", "disable",
                                    "colloquy.database.owner-password", cluster.ownerPassword(),
                                    "colloquy.database.app-password", cluster.appPassword())));
        }
    }
}
