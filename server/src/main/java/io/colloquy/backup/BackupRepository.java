package io.colloquy.backup;

import io.colloquy.platform.DatabaseEndpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;
import org.springframework.stereotype.Repository;

/**
 * The SQL of a backup and a restore, on a connection of the embedded server's superuser (who alone sees every
 * tenant's rows: row-level security binds even the tables' owner). A backup reads everything in ONE read-only
 * REPEATABLE READ transaction, so the archive is one consistent snapshot while the server keeps writing. A restore
 * loads everything in one transaction with triggers off ({@code session_replication_role = replica}: the rows are
 * copied as they were, audit order and append-only triggers included), so it is all or nothing.
 */
@Repository
class BackupRepository implements AutoCloseable {
    static final String SCHEMA = "colloquy";
    private final @Nullable Connection c;

    /** The bean: opens sessions ({@link #session}). */
    BackupRepository() {
        this.c = null;
    }

    private BackupRepository(Connection c) {
        this.c = c;
    }

    /** A session as the embedded server's superuser; close it when done. */
    static BackupRepository session(DatabaseEndpoint.Embedded embedded) {
        try {
            return new BackupRepository(DriverManager.getConnection(
                    embedded.superuserJdbcUrl(), embedded.superuser(), embedded.superuserPassword()));
        } catch (SQLException e) {
            throw new Failed("cannot connect to the embedded database: " + e.getMessage(), e);
        }
    }

    /** A database step of a backup or restore failed (its SQL state and message, never data). */
    static final class Failed extends RuntimeException {
        Failed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A step on the session's connection (generic in it, so that only this class names JDBC types). */
    @FunctionalInterface
    private interface Step<C, T> {
        T run(C c) throws Exception;
    }

    private <T> T step(String what, Step<Connection, T> step) throws IOException {
        if (c == null) {
            throw new IllegalStateException("not a session");
        }
        try {
            return step.run(c);
        } catch (SQLException e) {
            throw new Failed(what + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new Failed(what + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // closing after the work: nothing left to undo
            }
        }
    }

    /** A table and its columns (quoted, comma separated, in order; generated columns left out). */
    record Table(String name, String columns) {}

    private static final String TABLES = """
            SELECT c.relname, string_agg(quote_ident(a.attname), ',' ORDER BY a.attnum)
              FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
             WHERE n.nspname = 'colloquy' AND c.relkind = 'r' AND c.relname <> 'flyway_schema_history'
             GROUP BY c.relname ORDER BY c.relname
            """;
    private static final String SCHEMA_VERSION = """
            SELECT version FROM colloquy.flyway_schema_history
             WHERE success AND version IS NOT NULL ORDER BY installed_rank DESC LIMIT 1
            """;
    private static final String LEAVES =
            "SELECT project_id, seq, leaf_hash FROM colloquy.audit_events ORDER BY project_id, seq";
    private static final String SEQUENCES =
            "SELECT sequencename, coalesce(last_value, -1) FROM pg_sequences WHERE schemaname = 'colloquy' ORDER BY 1";
    private static final String TABLE_COUNT = "SELECT count(*) FROM pg_tables WHERE schemaname = 'colloquy'";

    /** Starts the backup's snapshot: a read-only REPEATABLE READ transaction. */
    void beginSnapshot() throws IOException {
        step("snapshot", c -> {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            return null;
        });
    }

    String schemaVersion() throws IOException {
        return step("schema version", c -> {
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery(SCHEMA_VERSION)) {
                if (!r.next()) {
                    throw new IllegalStateException("The database has no schema version (it was never migrated)");
                }
                return r.getString(1);
            }
        });
    }

    /** Every project's leaf hashes in seq order (seqs checked to be dense from 1). */
    Map<UUID, List<byte[]>> leaves() throws IOException {
        return step("audit leaves", c -> {
            Map<UUID, List<byte[]>> out = new LinkedHashMap<>();
            try (Statement s = c.createStatement()) {
                s.setFetchSize(10_000);
                try (ResultSet r = s.executeQuery(LEAVES)) {
                    while (r.next()) {
                        List<byte[]> leaves = out.computeIfAbsent(r.getObject(1, UUID.class), k -> new ArrayList<>());
                        if (r.getLong(2) != leaves.size() + 1) {
                            throw new IllegalStateException("The audit log of project " + r.getObject(1)
                                    + " is not dense at seq " + r.getLong(2) + ": refusing to back it up as it is");
                        }
                        leaves.add(r.getBytes(3));
                    }
                }
            }
            return out;
        });
    }

    List<Table> tables() throws IOException {
        return step("tables", c -> {
            List<Table> tables = new ArrayList<>();
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery(TABLES)) {
                while (r.next()) {
                    tables.add(new Table(r.getString(1), r.getString(2)));
                }
            }
            return tables;
        });
    }

    /** Sequences and their last values (-1: never used). */
    Map<String, Long> sequences() throws IOException {
        return step("sequences", c -> {
            Map<String, Long> out = new LinkedHashMap<>();
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery(SEQUENCES)) {
                while (r.next()) {
                    out.put(r.getString(1), r.getLong(2));
                }
            }
            return out;
        });
    }

    long copyOut(Table table, OutputStream out) throws IOException {
        return step("table " + table.name(), c -> new CopyManager(c.unwrap(BaseConnection.class))
                .copyOut(
                        "COPY " + qualified(table.name()) + " (" + table.columns() + ") TO STDOUT (FORMAT binary)",
                        out));
    }

    /** How many tables the target's schema holds (0: empty, a restore may load into it). */
    long tableCount() throws IOException {
        return step("tables", c -> {
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery(TABLE_COUNT)) {
                r.next();
                return r.getLong(1);
            }
        });
    }

    /** Starts the load: one transaction, triggers off, every table emptied of what migrations may have put there. */
    void beginLoad() throws IOException {
        List<String> tables = tables().stream().map(Table::name).toList();
        step("start of the load", c -> {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL session_replication_role = replica");
                if (!tables.isEmpty()) {
                    s.execute("TRUNCATE "
                            + String.join(
                                    ", ",
                                    tables.stream()
                                            .map(BackupRepository::qualified)
                                            .toList()));
                }
            }
            return null;
        });
    }

    long copyIn(String table, String columns, InputStream in) throws IOException {
        requireColumnList(columns);
        return step("table " + table, c -> new CopyManager(c.unwrap(BaseConnection.class))
                .copyIn("COPY " + qualified(table) + " (" + columns + ") FROM STDIN (FORMAT binary)", in));
    }

    void setSequence(String name, long lastValue) throws IOException {
        step("sequence " + name, c -> {
            try (PreparedStatement s = c.prepareStatement(
                    lastValue < 0 ? "SELECT setval(?::regclass, 1, false)" : "SELECT setval(?::regclass, ?, true)")) {
                s.setString(1, qualified(name));
                if (lastValue >= 0) {
                    s.setLong(2, lastValue);
                }
                s.execute();
            }
            return null;
        });
    }

    void commit() throws IOException {
        step("commit", c -> {
            c.commit();
            return null;
        });
    }

    /** Ends the snapshot (nothing was written in it). */
    void endSnapshot() throws IOException {
        step("end of the snapshot", c -> {
            c.rollback();
            return null;
        });
    }

    /** Undoes a load that failed and leaves the target as empty as it was: the schema made for the load goes too. */
    void undoLoad() throws IOException {
        step("undoing the load", c -> {
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
            try (Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS colloquy CASCADE");
            }
            return null;
        });
    }

    private static String qualified(String name) {
        if (!name.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("not a Colloquy table or sequence name: " + name);
        }
        return SCHEMA + "." + name;
    }

    /** Column lists come from the archive: only quoted or plain identifiers, comma separated. */
    private static void requireColumnList(String columns) {
        if (!columns.matches("(\"?[a-z_][a-z0-9_]*\"?)(,\"?[a-z_][a-z0-9_]*\"?)*")) {
            throw new IllegalArgumentException("not a column list: " + columns);
        }
    }
}
