package io.colloquy.platform;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Connects Colloquy to PostgreSQL: the embedded server by default, or {@code COLLOQUY_DATABASE_URL}.
 * Migrations run as the owner role; the pool the application uses logs in as the app role, which is
 * checked at start to be neither owner, superuser nor BYPASSRLS (the server refuses to start otherwise).
 */
@Configuration(proxyBeanMethods = false)
class DatabaseConfiguration {
    private static final Logger log = LoggerFactory.getLogger(DatabaseConfiguration.class);
    private static final Pattern ROLE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    static final String DATABASE = "colloquy";
    static final String SCHEMA = "colloquy";

    /**
     * The database, reachable and migrated. Started by {@link EarlyDatabase} while the rest of the context is still
     * being built when the command line launched us; opened here otherwise (tests, other launchers).
     */
    @Bean(destroyMethod = "close")
    DatabaseEndpoint databaseEndpoint(ColloquySettings settings, ObjectProvider<EarlyDatabase> early)
            throws SQLException {
        EarlyDatabase started = early.getIfAvailable();
        return started != null ? started.take() : openAndMigrate(settings);
    }

    /** Starts (embedded) or locates (external) the database, migrates it and checks the app role. */
    static DatabaseEndpoint openAndMigrate(ColloquySettings settings) throws SQLException {
        DatabaseEndpoint endpoint = open(settings);
        try {
            migrate(endpoint);
            requireRestrictedAppRole(endpoint);
            CitusReadiness.require(endpoint);
            return endpoint;
        } catch (RuntimeException | SQLException e) {
            closeQuietly(endpoint, e);
            throw e;
        }
    }

    private static DatabaseEndpoint open(ColloquySettings settings) throws SQLException {
        ColloquySettings.Database db = settings.database();
        requireRoleName(db.ownerUser());
        requireRoleName(db.appUser());
        if (db.external()) {
            return external(db);
        }
        return embedded(settings.dataDir(), db.ownerUser(), db.appUser());
    }

    /** The embedded server of {@code dataDir}, started (or attached to), with the two roles and the database. */
    static DatabaseEndpoint embedded(java.nio.file.Path dataDir, String ownerUser, String appUser) throws SQLException {
        requireRoleName(ownerUser);
        requireRoleName(appUser);
        ServerSecrets secrets = new ServerSecrets(dataDir);
        EmbeddedPostgres pg = EmbeddedPostgres.start(dataDir);
        pg.closedByApplication();
        try {
            String ownerPassword = secrets.getOrCreate("db-owner.password");
            String appPassword = secrets.getOrCreate("db-app.password");
            createRolesAndDatabase(pg, ownerUser, ownerPassword, appUser, appPassword);
            return new DatabaseEndpoint(
                    withSchema(pg.jdbcUrl(DATABASE)),
                    ownerUser,
                    ownerPassword,
                    appUser,
                    appPassword,
                    new DatabaseEndpoint.Embedded(
                            pg, pg.jdbcUrl(DATABASE), pg.superuser(), pg.superuserPassword(), pg.clusterDir()));
        } catch (RuntimeException | SQLException e) {
            pg.close();
            throw e;
        }
    }

    private static void closeQuietly(DatabaseEndpoint endpoint, Exception cause) {
        try {
            endpoint.close();
        } catch (Exception e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * An external PostgreSQL, over TLS with its certificate and host name verified unless configured
     * otherwise ({@link ExternalDatabaseTls}); the first connection is made here, so a refusal stops the start.
     */
    static DatabaseEndpoint external(ColloquySettings.Database db) throws SQLException {
        String url = ExternalDatabaseTls.secure(
                withSchema(db.url()), Objects.toString(db.sslmode(), ""), Objects.toString(db.sslrootcert(), ""));
        DatabaseEndpoint endpoint = new DatabaseEndpoint(
                url,
                db.ownerUser(),
                required(db.ownerPassword(), "COLLOQUY_DATABASE_OWNER_PASSWORD"),
                db.appUser(),
                required(db.appPassword(), "COLLOQUY_DATABASE_APP_PASSWORD"),
                null);
        ExternalDatabaseTls.checkConnection(url, endpoint.ownerUser(), endpoint.ownerPassword());
        return endpoint;
    }

    /** Whether the database has the citus extension (checked ready at start: {@link CitusReadiness}). */
    @Bean
    Distribution distribution(DatabaseEndpoint endpoint) throws SQLException {
        try (Connection c =
                        DriverManager.getConnection(endpoint.jdbcUrl(), endpoint.appUser(), endpoint.appPassword());
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")) {
            r.next();
            return new Distribution(r.getBoolean(1));
        }
    }

    /**
     * The app role's pool. Every session gets a {@code statement_timeout} and an
     * {@code idle_in_transaction_session_timeout} (set at login, so no statement of the application
     * runs without them): no query, and no transaction left open by a stalled caller, can hold a
     * connection, locks or the audit sequencer's horizon for longer.
     */
    @Bean(destroyMethod = "close")
    RenewablePool dataSource(
            DatabaseEndpoint endpoint,
            ColloquySettings settings,
            @Value("${colloquy.database.statement-timeout:15s}") Duration statementTimeout,
            @Value("${colloquy.database.idle-in-transaction-timeout:15s}") Duration idleInTransactionTimeout) {
        // waiting for a busy pool longer than a statement may run helps nobody
        return new RenewablePool(
                () -> pool(endpoint, settings, statementTimeout, idleInTransactionTimeout), statementTimeout);
    }

    private static HikariDataSource pool(
            DatabaseEndpoint endpoint,
            ColloquySettings settings,
            Duration statementTimeout,
            Duration idleInTransactionTimeout) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("colloquy-app");
        config.setJdbcUrl(endpoint.jdbcUrl());
        config.setUsername(endpoint.appUser());
        config.setPassword(endpoint.appPassword());
        config.setMaximumPoolSize(settings.database().poolSize());
        // fail fast while the database is down (restarting, recovering): a request gets 503 instead of hanging
        config.setConnectionTimeout(
                settings.database().connectionTimeoutOrDefault().toMillis());
        config.setValidationTimeout(1000);
        config.addDataSourceProperty("connectTimeout", "5");
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        config.addDataSourceProperty("ApplicationName", "colloquy");
        config.addDataSourceProperty(
                "options",
                "-c statement_timeout=" + statementTimeout.toMillis() + " -c idle_in_transaction_session_timeout="
                        + idleInTransactionTimeout.toMillis());
        return new HikariDataSource(config);
    }

    static void migrate(DatabaseEndpoint endpoint) {
        migrate(endpoint, "latest");
    }

    /** Migrates up to {@code target} (a version, or {@code latest}). */
    static void migrate(DatabaseEndpoint endpoint, String target) {
        Flyway.configure()
                .dataSource(endpoint.jdbcUrl(), endpoint.ownerUser(), endpoint.ownerPassword())
                .schemas(SCHEMA)
                .placeholders(Map.of("app_role", endpoint.appUser()))
                .target(target)
                .load()
                .migrate();
    }

    private static void requireRestrictedAppRole(DatabaseEndpoint endpoint) throws SQLException {
        try (Connection c =
                        DriverManager.getConnection(endpoint.jdbcUrl(), endpoint.appUser(), endpoint.appPassword());
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("""
                        SELECT r.rolsuper, r.rolbypassrls,
                               EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = 'colloquy' AND t.tableowner = r.rolname)
                          FROM pg_roles r WHERE r.rolname = current_user""")) {
            r.next();
            if (r.getBoolean(1) || r.getBoolean(2) || r.getBoolean(3)) {
                throw new IllegalStateException("The application role '" + endpoint.appUser()
                        + "' must not be a superuser, have BYPASSRLS or own Colloquy's tables: refusing to start.");
            }
        }
    }

    static void createRolesAndDatabase(
            EmbeddedPostgres pg, String owner, String ownerPassword, String app, String appPassword)
            throws SQLException {
        try (Connection c =
                        DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.superuser(), pg.superuserPassword());
                Statement s = c.createStatement()) {
            ensureRole(c, s, owner, ownerPassword, "NOSUPERUSER NOCREATEROLE NOCREATEDB NOBYPASSRLS");
            ensureRole(c, s, app, appPassword, "NOSUPERUSER NOCREATEROLE NOCREATEDB NOBYPASSRLS NOINHERIT");
            try (PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                exists.setString(1, DATABASE);
                try (ResultSet r = exists.executeQuery()) {
                    if (!r.next()) {
                        s.execute("CREATE DATABASE " + DATABASE + " OWNER " + owner + " ENCODING 'UTF8'");
                        log.info("Created database {} owned by {}", DATABASE, owner);
                    }
                }
            }
            s.execute("REVOKE ALL ON DATABASE " + DATABASE + " FROM PUBLIC");
            s.execute("GRANT CONNECT ON DATABASE " + DATABASE + " TO " + app);
        }
    }

    private static void ensureRole(Connection c, Statement s, String role, String password, String attributes)
            throws SQLException {
        boolean exists;
        try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            q.setString(1, role);
            try (ResultSet r = q.executeQuery()) {
                exists = r.next();
            }
        }
        String literal = "'" + password.replace("'", "''") + "'";
        s.execute((exists ? "ALTER ROLE " : "CREATE ROLE ") + role + " LOGIN " + attributes + " PASSWORD " + literal);
    }

    private static void requireRoleName(String role) {
        if (!ROLE_NAME.matcher(role).matches()) {
            throw new IllegalArgumentException("Database role names must match " + ROLE_NAME.pattern() + ": " + role);
        }
    }

    private static String required(String value, String variable) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(variable + " must be set when COLLOQUY_DATABASE_URL is set");
        }
        return value;
    }

    private static String withSchema(String url) {
        return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + SCHEMA;
    }
}
