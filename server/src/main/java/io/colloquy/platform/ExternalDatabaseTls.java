package io.colloquy.platform;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS to an external PostgreSQL ({@code COLLOQUY_DATABASE_URL}): certificate and host name verified
 * ({@code sslmode=verify-full}) unless the operator says otherwise, either with {@code
 * COLLOQUY_DATABASE_SSLMODE} or an {@code sslmode} in the URL; anything weaker is logged as a warning
 * at every start. The CA to trust is {@code COLLOQUY_DATABASE_SSLROOTCERT} (a PEM file), else the
 * driver's default ({@code ~/.postgresql/root.crt}). A URL that would swap the driver's certificate or
 * host name checks ({@code sslfactory}, {@code sslhostnameverifier}) is refused under verify-full. The
 * first connection is made at start, so a server without TLS, a certificate from another CA or for
 * another host stops the start with a message saying which. The embedded PostgreSQL (our own cluster,
 * on loopback) is exempt.
 */
final class ExternalDatabaseTls {
    private static final Logger log = LoggerFactory.getLogger(ExternalDatabaseTls.class);
    static final String VERIFY_FULL = "verify-full";
    private static final Set<String> MODES = Set.of("disable", "allow", "prefer", "require", "verify-ca", VERIFY_FULL);
    private static final Set<String> PLAIN_POSSIBLE = Set.of("disable", "allow", "prefer");
    private static final Set<String> VERIFICATION_OVERRIDES = Set.of("sslfactory", "sslhostnameverifier");

    private ExternalDatabaseTls() {}

    /** The URL with the effective {@code sslmode} (and root certificate) set; warns when that is not verify-full. */
    static String secure(String url, String configuredMode, String rootCert) {
        Map<String, String> params = params(url);
        String inUrl = params.get("sslmode");
        String configured = configuredMode.strip().toLowerCase(Locale.ROOT);
        if (inUrl != null && !configured.isEmpty() && !inUrl.equalsIgnoreCase(configured)) {
            throw new IllegalArgumentException("COLLOQUY_DATABASE_URL says sslmode=" + inUrl
                    + " but COLLOQUY_DATABASE_SSLMODE=" + configured + ": set it in one place");
        }
        String mode = inUrl != null ? inUrl.toLowerCase(Locale.ROOT) : configured.isEmpty() ? VERIFY_FULL : configured;
        if (!MODES.contains(mode)) {
            throw new IllegalArgumentException("The database sslmode must be one of " + MODES + ", not '" + mode + "'");
        }
        if (mode.equals(VERIFY_FULL)) {
            for (String override : VERIFICATION_OVERRIDES) {
                if (params.containsKey(override)) {
                    throw new IllegalArgumentException("COLLOQUY_DATABASE_URL sets " + override
                            + ", which replaces the driver's certificate or host name verification: remove it"
                            + " (trust a CA with COLLOQUY_DATABASE_SSLROOTCERT), or set a weaker"
                            + " COLLOQUY_DATABASE_SSLMODE explicitly");
                }
            }
        } else if (PLAIN_POSSIBLE.contains(mode)) {
            log.warn(
                    "The external database connection allows PLAIN connections (sslmode={}): passwords and every"
                            + " query cross the network in clear, unauthenticated. Turn on TLS in PostgreSQL and"
                            + " remove COLLOQUY_DATABASE_SSLMODE (the default is verify-full).",
                    mode);
        } else {
            log.warn(
                    "The external database connection is encrypted but the server is not fully verified (sslmode={}):"
                            + " a machine in the middle can pose as the database. Use sslmode=verify-full (the default)"
                            + " with COLLOQUY_DATABASE_SSLROOTCERT.",
                    mode);
        }
        StringBuilder secured = new StringBuilder(url);
        if (inUrl == null) {
            secured.append(url.contains("?") ? '&' : '?').append("sslmode=").append(mode);
        }
        if (!rootCert.isBlank() && !params.containsKey("sslrootcert") && !mode.equals("disable")) {
            secured.append(secured.indexOf("?") >= 0 ? '&' : '?')
                    .append("sslrootcert=")
                    .append(rootCert.strip());
        }
        return secured.toString();
    }

    /**
     * Connects once as {@code user}: a refusal for a TLS reason becomes a start-up failure that says what is wrong
     * and what to change; any other failure is rethrown as it is.
     */
    static void checkConnection(String url, String user, String password) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            c.isValid(5);
        } catch (SQLException e) {
            String why = explain(e, params(url).getOrDefault("sslmode", ""));
            if (why == null) {
                throw e;
            }
            throw new IllegalStateException("Refusing the external database at " + hostAndPort(url) + ": " + why, e);
        }
    }

    private static String explain(SQLException e, String mode) {
        String all = chain(e);
        if (all.contains("does not support SSL")) {
            return "it does not offer TLS, and sslmode is " + mode + " (" + VERIFY_FULL + " is the default for an"
                    + " external database). Turn on ssl in PostgreSQL with a certificate for this host name (recommended),"
                    + " or allow plain connections explicitly with COLLOQUY_DATABASE_SSLMODE=disable (logged as a"
                    + " warning at every start).";
        }
        if (all.contains("could not be verified by hostnameverifier")) {
            return "its TLS certificate is not for the host name in COLLOQUY_DATABASE_URL (sslmode=" + mode
                    + "). Connect with a name the certificate holds, or fix the server's certificate.";
        }
        if (all.contains("PKIX") || all.contains("certification path") || all.contains("SSLHandshakeException")) {
            return "its TLS certificate is not signed by a trusted CA (sslmode=" + mode + "). Point"
                    + " COLLOQUY_DATABASE_SSLROOTCERT at the CA that issued the server's certificate.";
        }
        if (all.contains("root certificate file") || all.contains("root.crt")) {
            return "no CA to verify its certificate is configured (sslmode=" + mode + "). Set"
                    + " COLLOQUY_DATABASE_SSLROOTCERT to the PEM file of the CA that issued the server's certificate.";
        }
        return null;
    }

    private static String chain(Throwable e) {
        StringBuilder s = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            s.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
        }
        return s.toString();
    }

    private static Map<String, String> params(String url) {
        Map<String, String> params = new LinkedHashMap<>();
        int q = url.indexOf('?');
        if (q < 0) {
            return params;
        }
        for (String pair : url.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            String key = (eq < 0 ? pair : pair.substring(0, eq)).toLowerCase(Locale.ROOT);
            params.put(key, eq < 0 ? "" : pair.substring(eq + 1));
        }
        return params;
    }

    private static String hostAndPort(String url) {
        try {
            URI uri = URI.create(url.substring("jdbc:".length()));
            return uri.getHost() + ":" + (uri.getPort() < 0 ? 5432 : uri.getPort());
        } catch (RuntimeException e) {
            return "COLLOQUY_DATABASE_URL";
        }
    }
}
