package io.colloquy.evidence;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Read-only checks of the deployment's database, as the role of the given URL (the service's own role is the one to
 * give): the catalog (row-level security on every tenant table, the role's powers), what the role sees without a
 * tenant, and a search of every table it can read for the canary and the API keys in clear. Every transaction is READ
 * ONLY; the only setting it makes is the tenant context, which is transaction-local.
 */
final class DatabaseProbes implements AutoCloseable {
    private static final String SYSTEM_SCHEMAS = "('pg_catalog', 'information_schema', 'pg_toast')";
    private static final String TENANT_TABLES = """
            SELECT n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies,
                   pg_get_userbyid(c.relowner) AS owner,
                   has_table_privilege(c.oid, 'SELECT') AS readable
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN %s
              AND EXISTS (SELECT 1 FROM pg_attribute a
                          WHERE a.attrelid = c.oid AND a.attname = 'project_id' AND NOT a.attisdropped)
            ORDER BY 1, 2""".formatted(SYSTEM_SCHEMAS);
    private static final String READABLE_TABLES = """
            SELECT n.nspname, c.relname
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN %s AND has_table_privilege(c.oid, 'SELECT')
            ORDER BY 1, 2""".formatted(SYSTEM_SCHEMAS);
    private static final String UNREADABLE_TABLES = """
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN %s AND NOT has_table_privilege(c.oid, 'SELECT')""".formatted(SYSTEM_SCHEMAS);
    private static final String ROLE = """
            SELECT current_user, r.rolsuper, r.rolbypassrls,
                   (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname NOT IN %s AND c.relkind IN ('r', 'p')
                      AND pg_has_role(current_user, c.relowner, 'USAGE')) AS owned
            FROM pg_roles r WHERE r.rolname = current_user""".formatted(SYSTEM_SCHEMAS);
    private static final String AUDIT_PRIVILEGES = """
            SELECT n.nspname, c.relname,
                   has_table_privilege(c.oid, 'UPDATE') OR has_table_privilege(c.oid, 'DELETE')
                       OR has_table_privilege(c.oid, 'TRUNCATE') AS changeable,
                   (SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal
                      AND t.tgenabled <> 'D') AS triggers
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN %s AND c.relname IN ('audit_events', 'audit_nodes')
            ORDER BY 1, 2""".formatted(SYSTEM_SCHEMAS);

    private final Connection db;
    private final Evidence evidence;

    private DatabaseProbes(Connection db, Evidence evidence) {
        this.db = db;
        this.evidence = evidence;
    }

    /** Connects with a JDBC URL ({@code jdbc:postgresql://...?user=&password=}) or a {@code postgresql://} URL. */
    static DatabaseProbes connect(String url, Evidence evidence) throws SQLException {
        Connection c = DriverManager.getConnection(jdbc(url));
        c.setReadOnly(true);
        c.setAutoCommit(false);
        return new DatabaseProbes(c, evidence);
    }

    static String jdbc(String url) {
        if (url.startsWith("jdbc:")) {
            return url;
        }
        java.net.URI u = java.net.URI.create(url.replaceFirst("^postgres://", "postgresql://"));
        StringBuilder s = new StringBuilder("jdbc:postgresql://").append(u.getHost());
        if (u.getPort() != -1) {
            s.append(':').append(u.getPort());
        }
        s.append(u.getRawPath() == null ? "/" : u.getRawPath());
        List<String> params = new ArrayList<>();
        if (u.getRawUserInfo() != null) {
            String[] userInfo = u.getRawUserInfo().split(":", 2);
            params.add("user=" + userInfo[0]);
            if (userInfo.length > 1) {
                params.add("password=" + userInfo[1]);
            }
        }
        if (u.getRawQuery() != null) {
            params.add(u.getRawQuery());
        }
        return params.isEmpty() ? s.toString() : s + "?" + String.join("&", params);
    }

    /** The catalog: RLS enabled, forced and with a policy on every tenant table; the role's powers; append-only. */
    void catalog() throws SQLException {
        List<String> tables = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        for (Map<String, Object> t : rows(TENANT_TABLES)) {
            String name = t.get("nspname") + "." + t.get("relname");
            tables.add(name);
            List<String> missing = new ArrayList<>();
            if (!(Boolean) t.get("relrowsecurity")) {
                missing.add("not enabled");
            }
            if (!(Boolean) t.get("relforcerowsecurity")) {
                missing.add("not forced");
            }
            if (((Number) t.get("policies")).longValue() == 0) {
                missing.add("no policy");
            }
            if (!missing.isEmpty()) {
                bad.add(name + " (" + String.join(", ", missing) + ")");
            }
        }
        evidence.check(
                "database-isolation",
                "Row-level security on every tenant table",
                bad.isEmpty() && !tables.isEmpty(),
                "Read the catalog: every table with a project_id column, whether row-level security is enabled, forced"
                        + " (so that even the table's owner is held by it) and has a policy.",
                bad.isEmpty()
                        ? tables.size() + " tenant tables, all enabled, forced and with a policy: "
                                + String.join(", ", tables)
                        : "Without full row-level security: " + String.join("; ", bad));

        Map<String, Object> role = rows(ROLE).getFirst();
        boolean superuser = (Boolean) role.get("rolsuper");
        boolean bypass = (Boolean) role.get("rolbypassrls");
        long owned = ((Number) role.get("owned")).longValue();
        evidence.check(
                "database-isolation",
                "The service's role cannot bypass it",
                !superuser && !bypass && owned == 0,
                "Read the catalog entry of the role this check connected as (give the URL the service itself uses).",
                "Role " + role.get("current_user") + ": superuser " + superuser + ", BYPASSRLS " + bypass
                        + ", owner (or member of the owner) of " + owned + " tables");

        List<String> changeable = new ArrayList<>();
        List<String> audit = new ArrayList<>();
        for (Map<String, Object> t : rows(AUDIT_PRIVILEGES)) {
            String name = t.get("nspname") + "." + t.get("relname");
            audit.add(name + " (" + t.get("triggers") + " triggers)");
            if ((Boolean) t.get("changeable") && ((Number) t.get("triggers")).longValue() == 0) {
                changeable.add(name);
            }
        }
        evidence.check(
                "audit",
                "Append-only for the service's role",
                !audit.isEmpty() && changeable.isEmpty(),
                "Read the role's privileges on the audit tables (UPDATE, DELETE, TRUNCATE) and the triggers that refuse"
                        + " changes.",
                audit.isEmpty()
                        ? "No audit tables found"
                        : changeable.isEmpty()
                                ? "The role can only read and append: " + String.join(", ", audit)
                                : "The role can change rows of: " + String.join(", ", changeable));
        db.rollback();
    }

    /** Counts the rows the role sees in every tenant table without a tenant context. */
    void withoutTenant() throws SQLException {
        List<String> seen = new ArrayList<>();
        int counted = 0;
        for (Map<String, Object> t : rows(TENANT_TABLES)) {
            if (!(Boolean) t.get("readable")) {
                continue;
            }
            String table = quoted(t.get("nspname"), t.get("relname"));
            long n = count("SELECT count(*) FROM " + table);
            counted++;
            if (n > 0) {
                seen.add(t.get("nspname") + "." + t.get("relname") + ": " + n + " rows");
            }
        }
        db.rollback();
        evidence.check(
                "database-isolation",
                "Zero rows without a tenant",
                seen.isEmpty() && counted > 0,
                "Counted the rows of every tenant table the role can read, in a transaction with no tenant set.",
                seen.isEmpty() ? counted + " tables, 0 rows each" : "Rows visible: " + String.join("; ", seen));
    }

    /**
     * The tables (readable by the role) holding any of {@code needles} in clear, as text or as hex bytes, in
     * transactions set to each tenant (and one without), e.g. {@code (prj, "*")}.
     */
    List<String> find(List<String> needles, List<UUID> tenants) throws SQLException {
        List<String> tables = new ArrayList<>();
        for (Map<String, Object> t : rows(READABLE_TABLES)) {
            tables.add(quoted(t.get("nspname"), t.get("relname")));
        }
        db.rollback();
        List<String> terms = new ArrayList<>();
        for (String n : needles) {
            terms.add(n);
            terms.add(HexFormat.of().formatHex(n.getBytes(StandardCharsets.UTF_8)));
        }
        List<@Nullable UUID> contexts = new ArrayList<>(tenants);
        contexts.add(null);
        java.util.Set<String> found = new java.util.TreeSet<>();
        for (UUID tenant : contexts) {
            for (String table : tables) {
                if (tenant != null) {
                    try (PreparedStatement p = db.prepareStatement("SELECT colloquy.set_tenant(?, '*')")) {
                        p.setObject(1, tenant);
                        p.execute();
                    }
                }
                StringBuilder sql = new StringBuilder("SELECT count(*) FROM " + table + " x WHERE false");
                terms.forEach(term -> sql.append(" OR strpos(x::text, ?) > 0"));
                try (PreparedStatement p = db.prepareStatement(sql.toString())) {
                    for (int i = 0; i < terms.size(); i++) {
                        p.setString(i + 1, terms.get(i));
                    }
                    try (ResultSet rs = p.executeQuery()) {
                        rs.next();
                        if (rs.getLong(1) > 0) {
                            found.add(table.replace("\"", ""));
                        }
                    }
                }
                db.rollback();
            }
        }
        return List.copyOf(found);
    }

    /** How many tables the role cannot read (and so were not searched). */
    long unreadable() throws SQLException {
        long n = count(UNREADABLE_TABLES);
        db.rollback();
        return n;
    }

    /** Rows left in the tenant tables for a (deleted) project, per table. */
    List<String> rowsOf(UUID project) throws SQLException {
        List<String> left = new ArrayList<>();
        for (Map<String, Object> t : rows(TENANT_TABLES)) {
            db.rollback();
            if (!(Boolean) t.get("readable")) {
                continue;
            }
            try (PreparedStatement p = db.prepareStatement("SELECT colloquy.set_tenant(?, '*')")) {
                p.setObject(1, project);
                p.execute();
            }
            long n;
            try (PreparedStatement p = db.prepareStatement(
                    "SELECT count(*) FROM " + quoted(t.get("nspname"), t.get("relname")) + " WHERE project_id = ?")) {
                p.setObject(1, project);
                try (ResultSet rs = p.executeQuery()) {
                    rs.next();
                    n = rs.getLong(1);
                }
            }
            if (n > 0) {
                left.add(t.get("nspname") + "." + t.get("relname") + ": " + n);
            }
        }
        db.rollback();
        return left;
    }

    private long count(String sql) throws SQLException {
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private List<Map<String, Object>> rows(String sql) throws SQLException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, Object> row = new java.util.LinkedHashMap<>();
                for (int i = 1; i <= columns; i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                }
                out.add(row);
            }
        }
        return out;
    }

    private static String quoted(Object schema, Object table) {
        return "\"" + schema.toString().replace("\"", "\"\"") + "\".\""
                + table.toString().replace("\"", "\"\"") + "\"";
    }

    @Override
    public void close() throws SQLException {
        db.rollback();
        db.close();
    }
}
