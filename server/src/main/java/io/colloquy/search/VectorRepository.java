package io.colloquy.search;

import io.colloquy.platform.Sql;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The sealed embedding vectors (colloquy.embeddings) and the worker's cursor per project. */
@Repository
class VectorRepository {
    private static final String PENDING_PROJECTS = "SELECT * FROM colloquy.embedding_pending_projects()";
    private static final String CURSOR = """
            SELECT COALESCE((SELECT cursor_seq FROM colloquy.embedding_cursors WHERE project_id = :project), 0)
            """;
    private static final String ADVANCE = """
            INSERT INTO colloquy.embedding_cursors (project_id, cursor_seq, updated_at) VALUES (:project, :seq, :now)
            ON CONFLICT (project_id) DO UPDATE SET cursor_seq = GREATEST(colloquy.embedding_cursors.cursor_seq, :seq),
                                                   updated_at = :now
            """;
    private static final String UPSERT = """
            INSERT INTO colloquy.embeddings (project_id, namespace, item_id, item_kind, dialogue_id, vector, embedded_at)
            VALUES (:project, :ns, :id, :kind, :dialogue, :vector, :now)
            ON CONFLICT (project_id, namespace, item_id) DO UPDATE
               SET item_kind = :kind, dialogue_id = :dialogue, vector = :vector, embedded_at = :now
            """;
    private static final String DELETE = """
            DELETE FROM colloquy.embeddings WHERE project_id = :project AND namespace = :ns AND item_id = ANY(:ids)
            """;
    private static final String DELETE_DIALOGUES = """
            DELETE FROM colloquy.embeddings
             WHERE project_id = :project AND dialogue_id = ANY(:dialogues)
            RETURNING namespace, item_id
            """;
    private static final String ERASE_NAMESPACE = """
            DELETE FROM colloquy.embeddings WHERE project_id = :project AND namespace = :ns
            """;
    private static final String COUNT = """
            SELECT count(*) FROM colloquy.embeddings
             WHERE project_id = :project AND (CAST(:ns AS text) IS NULL OR namespace = CAST(:ns AS text))
            """;
    private static final String ALL = """
            SELECT item_id, item_kind, dialogue_id, vector FROM colloquy.embeddings
             WHERE project_id = :project AND namespace = :ns
            """;
    private static final String OLDER = """
            SELECT item_id, item_kind, dialogue_id, vector FROM colloquy.embeddings
             WHERE project_id = :project AND namespace = :ns
               AND substring(vector from 2 for 4) <> int4send(CAST(:current AS integer))
             LIMIT :limit
            """;

    /** One stored vector, still sealed. */
    record Row(UUID itemId, String kind, @Nullable UUID dialogueId, byte[] sealed) {}

    private final JdbcClient jdbc;

    VectorRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    List<UUID> pendingProjects() {
        return jdbc.sql(PENDING_PROJECTS).query(UUID.class).list();
    }

    long cursor(UUID project) {
        return jdbc.sql(CURSOR).param("project", project).query(Long.class).single();
    }

    void advance(UUID project, long seq, Instant now) {
        jdbc.sql(ADVANCE)
                .param("project", project)
                .param("seq", seq)
                .param("now", Sql.timestamptz(now))
                .update();
    }

    void upsert(UUID project, String ns, Row row, Instant now) {
        jdbc.sql(UPSERT)
                .param("project", project)
                .param("ns", ns)
                .param("id", row.itemId())
                .param("kind", row.kind())
                .param("dialogue", row.dialogueId())
                .param("vector", row.sealed())
                .param("now", Sql.timestamptz(now))
                .update();
    }

    void delete(UUID project, String ns, List<UUID> ids) {
        if (!ids.isEmpty()) {
            jdbc.sql(DELETE)
                    .param("project", project)
                    .param("ns", ns)
                    .param("ids", ids.toArray(UUID[]::new))
                    .update();
        }
    }

    /** Deletes the vectors of these dialogues' messages; returns each (namespace, item id) removed. */
    List<String[]> deleteDialogues(UUID project, List<UUID> dialogues) {
        if (dialogues.isEmpty()) {
            return List.of();
        }
        return jdbc.sql(DELETE_DIALOGUES)
                .param("project", project)
                .param("dialogues", dialogues.toArray(UUID[]::new))
                .query((rs, n) -> new String[] {rs.getString(1), rs.getString(2)})
                .list();
    }

    void eraseNamespace(UUID project, String ns) {
        jdbc.sql(ERASE_NAMESPACE).param("project", project).param("ns", ns).update();
    }

    long count(UUID project, @Nullable String ns) {
        return jdbc.sql(COUNT)
                .param("project", project)
                .param("ns", ns)
                .query(Long.class)
                .single();
    }

    List<Row> all(UUID project, String ns) {
        return jdbc.sql(ALL)
                .param("project", project)
                .param("ns", ns)
                .query((rs, n) -> new Row(
                        rs.getObject(1, UUID.class), rs.getString(2), rs.getObject(3, UUID.class), rs.getBytes(4)))
                .list();
    }

    /** Up to {@code limit} vectors of a namespace sealed under a data key version other than {@code current}. */
    List<Row> older(UUID project, String ns, int current, int limit) {
        return jdbc.sql(OLDER)
                .param("project", project)
                .param("ns", ns)
                .param("current", current)
                .param("limit", limit)
                .query((rs, n) -> new Row(
                        rs.getObject(1, UUID.class), rs.getString(2), rs.getObject(3, UUID.class), rs.getBytes(4)))
                .list();
    }
}
