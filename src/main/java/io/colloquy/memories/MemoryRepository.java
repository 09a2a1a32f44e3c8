package io.colloquy.memories;

import io.colloquy.crypto.FieldRef;
import io.colloquy.crypto.StoredValues;
import io.colloquy.platform.Sql;
import io.colloquy.web.Metadata;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class MemoryRepository {
    private static final String INSERT = """
            INSERT INTO colloquy.memories
                (project_id, namespace, memory_id, kind, content, metadata, expires_at, created_at, updated_at)
            VALUES (:project, :ns, :id, :kind, :content, :metadata, :expires, :created, :updated)
            """;
    private static final String FIND = """
            SELECT * FROM colloquy.memories
             WHERE project_id = :project AND namespace = :ns AND memory_id = :id
               AND deleted_at IS NULL AND (expires_at IS NULL OR expires_at > :now)
            """;
    private static final String LIST = """
            SELECT * FROM colloquy.memories
             WHERE project_id = :project AND namespace = :ns
               AND (CAST(:kind AS text) IS NULL OR kind = CAST(:kind AS text))
               AND (CAST(:after AS uuid) IS NULL OR memory_id < CAST(:after AS uuid))
               AND deleted_at IS NULL AND (expires_at IS NULL OR expires_at > :now)
             ORDER BY memory_id DESC
             LIMIT :limit
            """;
    private static final String UPDATE = """
            UPDATE colloquy.memories
               SET kind = :kind, content = :content, metadata = :metadata, expires_at = :expires, updated_at = :updated
             WHERE project_id = :project AND namespace = :ns AND memory_id = :id
            """;
    private static final String ALL = """
            SELECT namespace, memory_id FROM colloquy.memories WHERE project_id = :project ORDER BY memory_id
            """;
    private static final String DELETE = """
            DELETE FROM colloquy.memories WHERE project_id = :project AND namespace = :ns AND memory_id = :id
            """;

    private final JdbcClient jdbc;
    private final StoredValues values;

    MemoryRepository(JdbcClient jdbc, StoredValues values) {
        this.jdbc = jdbc;
        this.values = values;
    }

    void insert(Memory m) {
        bind(jdbc.sql(INSERT), m)
                .param("created", Sql.timestamptz(m.createdAt()))
                .update();
    }

    void update(Memory m) {
        bind(jdbc.sql(UPDATE), m).update();
    }

    Optional<Memory> find(UUID project, String ns, UUID id, Instant now) {
        return jdbc.sql(FIND)
                .param("project", project)
                .param("ns", ns)
                .param("id", id)
                .param("now", Sql.timestamptz(now))
                .query((rs, n) -> map(rs))
                .optional();
    }

    List<Memory> list(
            UUID project, String ns, Memory.@Nullable Kind kind, @Nullable UUID after, int limit, Instant now) {
        return jdbc.sql(LIST)
                .param("project", project)
                .param("ns", ns)
                .param("kind", kind == null ? null : kind.wireName())
                .param("after", after)
                .param("limit", limit)
                .param("now", Sql.timestamptz(now))
                .query((rs, n) -> map(rs))
                .list();
    }

    /** Where a memory is. */
    record Ref(String namespace, UUID id) {}

    /** Every memory of the project, expired ones included (for the audit events of a project deletion). */
    List<Ref> all(UUID project) {
        return jdbc.sql(ALL)
                .param("project", project)
                .query((rs, n) -> new Ref(rs.getString("namespace"), rs.getObject("memory_id", UUID.class)))
                .list();
    }

    void delete(UUID project, String ns, UUID id) {
        jdbc.sql(DELETE)
                .param("project", project)
                .param("ns", ns)
                .param("id", id)
                .update();
    }

    private JdbcClient.StatementSpec bind(JdbcClient.StatementSpec spec, Memory m) {
        return spec.param("project", m.projectId())
                .param("ns", m.namespace())
                .param("id", m.id())
                .param("kind", m.kind().wireName())
                .param("content", values.seal(ref(m.projectId(), m.namespace(), m.id(), "content"), m.content()))
                .param(
                        "metadata",
                        values.seal(
                                ref(m.projectId(), m.namespace(), m.id(), "metadata"),
                                m.metadata().json()))
                .param("expires", Sql.timestamptz(m.expiresAt()))
                .param("updated", Sql.timestamptz(m.updatedAt()));
    }

    private Memory map(ResultSet rs) throws SQLException {
        UUID project = rs.getObject("project_id", UUID.class);
        String ns = rs.getString("namespace");
        UUID id = rs.getObject("memory_id", UUID.class);
        return new Memory(
                project,
                ns,
                id,
                Memory.Kind.fromWire(rs.getString("kind")).orElseThrow(),
                values.open(ref(project, ns, id, "content"), rs.getBytes("content")),
                Metadata.parse(values.open(ref(project, ns, id, "metadata"), rs.getBytes("metadata"))),
                Sql.instant(rs, "expires_at"),
                Sql.requiredInstant(rs, "created_at"),
                Sql.requiredInstant(rs, "updated_at"));
    }

    private static FieldRef ref(UUID project, String ns, UUID id, String column) {
        return new FieldRef(project, ns, "memories", id, column);
    }
}
