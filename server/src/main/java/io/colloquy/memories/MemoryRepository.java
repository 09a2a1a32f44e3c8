package io.colloquy.memories;

import io.colloquy.crypto.BlindIndex;
import io.colloquy.crypto.FieldRef;
import io.colloquy.crypto.StoredValues;
import io.colloquy.platform.Sql;
import io.colloquy.web.ListFilters;
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
                (project_id, namespace, memory_id, kind, content, metadata, search_tokens, expires_at, created_at, updated_at,
                 client_id, value, label, description, metadata_digests)
            VALUES (:project, :ns, :id, :kind, :content, :metadata, :tokens, :expires, :created, :updated,
                    :clientId, :value, :label, :description, :metadataDigests)
            ON CONFLICT DO NOTHING
            """;
    /** The row id behind a client-chosen id, deleted and expired memories included. */
    private static final String RESOLVE = """
            SELECT memory_id FROM colloquy.memories
             WHERE project_id = :project AND namespace = :ns AND client_id = :clientId
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
            """ + ListFilters.CONDITIONS + """
             ORDER BY memory_id DESC
             LIMIT :limit
            """;
    private static final String UPDATE = """
            UPDATE colloquy.memories
               SET kind = :kind, content = :content, metadata = :metadata, search_tokens = :tokens, expires_at = :expires,
                   updated_at = :updated, value = :value, label = :label, description = :description,
                   metadata_digests = :metadataDigests
             WHERE project_id = :project AND namespace = :ns AND memory_id = :id
            """;
    private static final String ALL = """
            SELECT namespace, memory_id FROM colloquy.memories WHERE project_id = :project ORDER BY memory_id
            """;
    private static final String DELETE = """
            DELETE FROM colloquy.memories WHERE project_id = :project AND namespace = :ns AND memory_id = :id
            """;

    private static final String SEARCH = """
            SELECT * FROM colloquy.memories
             WHERE project_id = :project AND namespace = :ns AND search_tokens @> :tokens
               AND deleted_at IS NULL AND (expires_at IS NULL OR expires_at > :now)
            """ + ListFilters.CONDITIONS + """
             ORDER BY memory_id DESC
             LIMIT :limit
            """;

    /** Live memories by id (semantic search's candidates), with keyword search's filters. */
    private static final String BY_IDS = """
            SELECT * FROM colloquy.memories
             WHERE project_id = :project AND namespace = :ns AND memory_id = ANY(:ids)
               AND deleted_at IS NULL AND (expires_at IS NULL OR expires_at > :now)
            """ + ListFilters.CONDITIONS;

    private static final String SOFT_DELETE = """
            UPDATE colloquy.memories SET deleted_at = :now
             WHERE project_id = :project AND namespace = :ns AND memory_id = :id AND deleted_at IS NULL
            """;
    private static final String RESTORE = """
            UPDATE colloquy.memories SET deleted_at = NULL
             WHERE project_id = :project AND namespace = :ns AND memory_id = :id
               AND deleted_at IS NOT NULL AND deleted_at > :windowStart
            """;

    private final JdbcClient jdbc;
    private final StoredValues values;
    private final BlindIndex index;

    MemoryRepository(JdbcClient jdbc, StoredValues values, BlindIndex index) {
        this.jdbc = jdbc;
        this.values = values;
        this.index = index;
    }

    List<Memory> search(
            UUID project,
            String ns,
            long[] tokens,
            long @Nullable [] metadataDigests,
            io.colloquy.web.ListFilters times,
            int limit,
            Instant now) {
        return jdbc.sql(SEARCH)
                .param("project", project)
                .param("ns", ns)
                .param("tokens", Sql.bigints(tokens))
                .params(times.parameters(metadataDigests))
                .param("now", Sql.timestamptz(now))
                .param("limit", limit)
                .query((rs, n) -> map(rs))
                .list();
    }

    List<Memory> byIds(
            UUID project,
            String ns,
            List<UUID> ids,
            long @Nullable [] metadataDigests,
            io.colloquy.web.ListFilters times,
            Instant now) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return jdbc.sql(BY_IDS)
                .param("project", project)
                .param("ns", ns)
                .param("ids", ids.toArray(UUID[]::new))
                .params(times.parameters(metadataDigests))
                .param("now", Sql.timestamptz(now))
                .query((rs, n) -> map(rs))
                .list();
    }

    /** False, having written nothing, when the namespace already has a memory with this id. */
    boolean insert(Memory m) {
        return bind(jdbc.sql(INSERT), m)
                        .param("created", Sql.timestamptz(m.createdAt()))
                        .param("clientId", m.clientId())
                        .update()
                == 1;
    }

    Optional<UUID> resolve(UUID project, String ns, String clientId) {
        return jdbc.sql(RESOLVE)
                .param("project", project)
                .param("ns", ns)
                .param("clientId", clientId)
                .query(UUID.class)
                .optional();
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
            UUID project,
            String ns,
            Memory.@Nullable Kind kind,
            long @Nullable [] metadataDigests,
            io.colloquy.web.ListFilters times,
            @Nullable UUID after,
            int limit,
            Instant now) {
        return jdbc.sql(LIST)
                .param("project", project)
                .param("ns", ns)
                .param("kind", kind == null ? null : kind.wireName())
                .params(times.parameters(metadataDigests))
                .param("after", after)
                .param("limit", limit)
                .param("now", Sql.timestamptz(now))
                .query((rs, n) -> map(rs))
                .list();
    }

    long count(UUID project, @Nullable String ns) {
        return jdbc.sql("""
                        SELECT count(*) FROM colloquy.memories
                         WHERE project_id = :project AND (CAST(:ns AS text) IS NULL OR namespace = CAST(:ns AS text))
                        """)
                .param("project", project)
                .param("ns", ns)
                .query(Long.class)
                .single();
    }

    void eraseNamespace(UUID project, String ns) {
        jdbc.sql("DELETE FROM colloquy.memories WHERE project_id = :project AND namespace = :ns")
                .param("project", project)
                .param("ns", ns)
                .update();
    }

    List<UUID> purgeable(
            UUID project,
            @Nullable Instant shortBefore,
            @Nullable Instant longBefore,
            Instant now,
            Instant deletedBefore,
            int limit) {
        return jdbc.sql("""
                        SELECT memory_id FROM colloquy.memories
                         WHERE project_id = :project
                           AND ((kind = 'short_term' AND CAST(:shortBefore AS timestamptz) IS NOT NULL
                                     AND created_at < CAST(:shortBefore AS timestamptz))
                                OR (kind = 'long_term' AND CAST(:longBefore AS timestamptz) IS NOT NULL
                                     AND created_at < CAST(:longBefore AS timestamptz))
                                OR expires_at <= :now
                                OR (deleted_at IS NOT NULL AND deleted_at < :deletedBefore))
                         ORDER BY memory_id
                         LIMIT :limit
                        """)
                .param("project", project)
                .param("shortBefore", Sql.timestamptz(shortBefore))
                .param("longBefore", Sql.timestamptz(longBefore))
                .param("now", Sql.timestamptz(now))
                .param("deletedBefore", Sql.timestamptz(deletedBefore))
                .param("limit", limit)
                .query(UUID.class)
                .list();
    }

    /** Removes memories for good; returns the ids of those it removed. */
    List<UUID> purge(UUID project, List<UUID> ids) {
        return jdbc.sql("DELETE FROM colloquy.memories WHERE project_id = :project AND memory_id = ANY(:ids)"
                        + " RETURNING memory_id")
                .param("project", project)
                .param("ids", ids.toArray(UUID[]::new))
                .query(UUID.class)
                .list();
    }

    List<Memory> withOlderValues(UUID project, String ns, int current, int limit) {
        return jdbc.sql("""
                        SELECT * FROM colloquy.memories
                         WHERE project_id = :project AND namespace = :ns
                           AND ((content IS NOT NULL AND substring(content from 2 for 4) <> int4send(CAST(:v AS integer)))
                                OR substring(metadata from 2 for 4) <> int4send(CAST(:v AS integer))
                                OR (value IS NOT NULL AND substring(value from 2 for 4) <> int4send(CAST(:v AS integer)))
                                OR (label IS NOT NULL AND substring(label from 2 for 4) <> int4send(CAST(:v AS integer)))
                                OR (description IS NOT NULL
                                    AND substring(description from 2 for 4) <> int4send(CAST(:v AS integer))))
                         LIMIT :limit
                        """)
                .param("project", project)
                .param("ns", ns)
                .param("v", current)
                .param("limit", limit)
                .query((rs, n) -> map(rs))
                .list();
    }

    void softDelete(UUID project, String ns, UUID id, Instant now) {
        jdbc.sql(SOFT_DELETE)
                .param("project", project)
                .param("ns", ns)
                .param("id", id)
                .param("now", Sql.timestamptz(now))
                .update();
    }

    boolean restore(UUID project, String ns, UUID id, Instant windowStart) {
        return jdbc.sql(RESTORE)
                        .param("project", project)
                        .param("ns", ns)
                        .param("id", id)
                        .param("windowStart", Sql.timestamptz(windowStart))
                        .update()
                == 1;
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
                .param("content", seal(m, "content", m.content()))
                .param("value", seal(m, "value", m.value()))
                .param("label", seal(m, "label", m.label()))
                .param("description", seal(m, "description", m.description()))
                .param(
                        "metadataDigests",
                        Sql.bigints(m.metadata().terms().stream()
                                .mapToLong(t -> index.term(m.projectId(), m.namespace(), t))
                                .distinct()
                                .toArray()))
                .param(
                        "metadata",
                        values.seal(
                                ref(m.projectId(), m.namespace(), m.id(), "metadata"),
                                m.metadata().json()))
                .param("tokens", Sql.bigints(index.index(m.projectId(), m.namespace(), m.searchText())))
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
                open(rs, project, ns, id, "content"),
                Metadata.parse(values.open(ref(project, ns, id, "metadata"), rs.getBytes("metadata"))),
                Sql.instant(rs, "expires_at"),
                Sql.requiredInstant(rs, "created_at"),
                Sql.requiredInstant(rs, "updated_at"),
                rs.getString("client_id"),
                open(rs, project, ns, id, "value"),
                open(rs, project, ns, id, "label"),
                open(rs, project, ns, id, "description"));
    }

    private byte @Nullable [] seal(Memory m, String column, @Nullable String text) {
        return text == null ? null : values.seal(ref(m.projectId(), m.namespace(), m.id(), column), text);
    }

    private @Nullable String open(ResultSet rs, UUID project, String ns, UUID id, String column) throws SQLException {
        byte[] sealed = rs.getBytes(column);
        return sealed == null ? null : values.open(ref(project, ns, id, column), sealed);
    }

    private static FieldRef ref(UUID project, String ns, UUID id, String column) {
        return new FieldRef(project, ns, "memories", id, column);
    }
}
