package io.colloquy.projects;

import io.colloquy.platform.Sql;
import io.colloquy.screening.PiiRedaction;
import io.colloquy.screening.ScreeningSettings;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class ProjectRepository {
    private static final String INSERT = """
            INSERT INTO colloquy.projects
                (project_id, name, plan, immutable_dialogues, delete_protection, ip_allowlist,
                 retention_dialogue_days, retention_short_term_memory_days, retention_long_term_memory_days,
                 recovery_window_days, pii_redaction, injection_reject_threshold, created_at, updated_at)
            VALUES (:id, :name, :plan, :immutable, :protection, :allowlist, :dialogueDays, :shortDays, :longDays,
                    :recovery, :piiRedaction, :injectionThreshold, :created, :updated)
            """;
    private static final String FIND = "SELECT * FROM colloquy.projects WHERE project_id = :id";
    private static final String FIND_FOR_UPDATE = "SELECT * FROM colloquy.projects WHERE project_id = :id FOR UPDATE";
    private static final String UPDATE = """
            UPDATE colloquy.projects
               SET name = :name, plan = :plan, delete_protection = :protection, ip_allowlist = :allowlist,
                   retention_dialogue_days = :dialogueDays, retention_short_term_memory_days = :shortDays,
                   retention_long_term_memory_days = :longDays, recovery_window_days = :recovery,
                   pii_redaction = :piiRedaction, injection_reject_threshold = :injectionThreshold, updated_at = :updated
             WHERE project_id = :id
            """;
    private static final String DELETE = "DELETE FROM colloquy.projects WHERE project_id = :id";

    private static final String ALL_IDS = "SELECT project_ref FROM colloquy.project_registry ORDER BY project_ref";

    private final JdbcClient jdbc;

    ProjectRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(Project p) {
        bind(jdbc.sql(INSERT), p)
                .param("immutable", p.immutableDialogues())
                .param("created", Sql.timestamptz(p.createdAt()))
                .update();
    }

    Optional<Project> find(UUID id) {
        return jdbc.sql(FIND).param("id", id).query((rs, n) -> map(rs)).optional();
    }

    /** The project, its row locked until the transaction ends; empty once another transaction deleted it. */
    Optional<Project> findForUpdate(UUID id) {
        return jdbc.sql(FIND_FOR_UPDATE)
                .param("id", id)
                .query((rs, n) -> map(rs))
                .optional();
    }

    void update(Project p) {
        bind(jdbc.sql(UPDATE), p).update();
    }

    java.util.List<UUID> allIds() {
        return jdbc.sql(ALL_IDS).query(UUID.class).list();
    }

    boolean delete(UUID id) {
        return jdbc.sql(DELETE).param("id", id).update() == 1;
    }

    private static JdbcClient.StatementSpec bind(JdbcClient.StatementSpec spec, Project p) {
        return spec.param("id", p.id())
                .param("name", p.name())
                .param("plan", p.plan())
                .param("protection", p.deleteProtection())
                .param("allowlist", p.ipAllowlist().toArray(String[]::new))
                .param("dialogueDays", p.retention().dialogueDays())
                .param("shortDays", p.retention().shortTermMemoryDays())
                .param("longDays", p.retention().longTermMemoryDays())
                .param("recovery", p.recoveryWindowDays())
                .param("piiRedaction", p.screening().piiRedaction().wireName())
                .param(
                        "injectionThreshold",
                        p.screening().injectionRejectThreshold() == null
                                ? null
                                : java.math.BigDecimal.valueOf(p.screening().injectionRejectThreshold()))
                .param("updated", Sql.timestamptz(p.updatedAt()));
    }

    private static Project map(ResultSet rs) throws SQLException {
        return new Project(
                rs.getObject("project_id", UUID.class),
                rs.getString("name"),
                rs.getString("plan"),
                rs.getBoolean("immutable_dialogues"),
                rs.getBoolean("delete_protection"),
                Sql.strings(rs, "ip_allowlist"),
                new Project.Retention(
                        rs.getObject("retention_dialogue_days", Integer.class),
                        rs.getObject("retention_short_term_memory_days", Integer.class),
                        rs.getObject("retention_long_term_memory_days", Integer.class)),
                rs.getInt("recovery_window_days"),
                new ScreeningSettings(
                        PiiRedaction.fromWire(rs.getString("pii_redaction")).orElseThrow(),
                        rs.getObject("injection_reject_threshold") == null
                                ? null
                                : rs.getBigDecimal("injection_reject_threshold").doubleValue()),
                Sql.requiredInstant(rs, "created_at"),
                Sql.requiredInstant(rs, "updated_at"));
    }
}
