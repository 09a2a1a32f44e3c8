package io.colloquy.projects;

import io.colloquy.access.Cidr;
import io.colloquy.audit.Action;
import io.colloquy.audit.AuditLog;
import io.colloquy.audit.EntityType;
import io.colloquy.audit.ProjectDeleting;
import io.colloquy.keys.ApiKeyService;
import io.colloquy.keys.Capability;
import io.colloquy.platform.ColloquySettings;
import io.colloquy.platform.Ids;
import io.colloquy.screening.PiiRedaction;
import io.colloquy.screening.ScreeningSettings;
import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.NotFound;
import io.colloquy.web.ValidationFailed;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;

/** Creates, reads, changes and deletes projects; runs inside the caller's tenant transaction. */
@Service
public class ProjectService {
    private final ProjectRepository projects;
    private final ApiKeyService keys;
    private final AuditLog audit;
    private final ApplicationEventPublisher events;
    private final ColloquySettings settings;
    private final Clock clock;

    ProjectService(
            ProjectRepository projects,
            ApiKeyService keys,
            AuditLog audit,
            ApplicationEventPublisher events,
            ColloquySettings settings,
            Clock clock) {
        this.projects = projects;
        this.keys = keys;
        this.audit = audit;
        this.events = events;
        this.settings = settings;
        this.clock = clock;
    }

    /** What the operator asks for; the plan defaults to the configured default plan. */
    public record NewProject(
            String name, @Nullable String plan, boolean immutableDialogues, boolean deleteProtection) {}

    /** A new project and its first admin key (the key's secret is shown only now). */
    public record CreatedProject(Project project, ApiKeyService.IssuedKey key) {}

    public CreatedProject create(UUID projectId, NewProject request) {
        String plan = request.plan() == null ? settings.defaultPlan() : request.plan();
        requireKnownPlan(plan);
        Instant now = clock.instant();
        Project project = new Project(
                projectId,
                request.name(),
                plan,
                request.immutableDialogues(),
                request.deleteProtection(),
                List.of(),
                Project.Retention.PLAN_DEFAULTS,
                0,
                ScreeningSettings.DEFAULTS,
                now,
                now);
        projects.insert(project);
        UUID event = audit.record(change(project, Action.CREATED, ProjectView.of(project)));
        ApiKeyService.IssuedKey key = keys.issue(
                projectId, new ApiKeyService.NewKey("admin", List.of(Capability.ADMIN), List.of(), null), event);
        return new CreatedProject(project, key);
    }

    public Project get(UUID projectId) {
        return projects.find(projectId).orElseThrow(ProjectNotFound::new);
    }

    /** Changes a project's settings; {@code immutable_dialogues} is fixed at creation. */
    public Project update(UUID projectId, ProjectChanges changes) {
        Project p = get(projectId);
        if (changes.immutableDialogues() != null && changes.immutableDialogues() != p.immutableDialogues()) {
            throw ValidationFailed.of("immutable_dialogues", "can only be set when the project is created");
        }
        if (changes.plan() != null) {
            requireKnownPlan(changes.plan());
        }
        Project updated = new Project(
                p.id(),
                changes.name() != null ? changes.name() : p.name(),
                changes.plan() != null ? changes.plan() : p.plan(),
                p.immutableDialogues(),
                changes.deleteProtection() != null ? changes.deleteProtection() : p.deleteProtection(),
                changes.ipAllowlist() != null
                        ? changes.ipAllowlist().stream().map(Cidr::toString).toList()
                        : p.ipAllowlist(),
                changes.retention() != null ? changes.retention() : p.retention(),
                changes.recoveryWindowDays() != null ? changes.recoveryWindowDays() : p.recoveryWindowDays(),
                changes.screening() != null ? changes.screening().apply(p.screening()) : p.screening(),
                p.createdAt(),
                clock.instant());
        projects.update(updated);
        audit.record(change(updated, Action.UPDATED, ProjectView.of(updated)));
        return updated;
    }

    /** Settings to change; null leaves a setting as it is. */
    public record ProjectChanges(
            @Nullable String name,
            @Nullable String plan,
            @Nullable Boolean deleteProtection,
            @Nullable List<Cidr> ipAllowlist,
            Project.@Nullable Retention retention,
            @Nullable Integer recoveryWindowDays,
            @Nullable Boolean immutableDialogues,
            @Nullable ScreeningChanges screening) {
        public ProjectChanges(
                @Nullable String name,
                @Nullable String plan,
                @Nullable Boolean deleteProtection,
                @Nullable List<Cidr> ipAllowlist,
                Project.@Nullable Retention retention,
                @Nullable Integer recoveryWindowDays,
                @Nullable Boolean immutableDialogues) {
            this(name, plan, deleteProtection, ipAllowlist, retention, recoveryWindowDays, immutableDialogues, null);
        }
    }

    /**
     * Changes to the screening settings, merged into the current ones: a null mode leaves it; the threshold is
     * changed only when {@code changeThreshold} (to null: never refuse).
     */
    public record ScreeningChanges(
            @Nullable PiiRedaction piiRedaction,
            boolean changeThreshold,
            @Nullable Double injectionRejectThreshold) {
        public static final ScreeningChanges RESET = new ScreeningChanges(PiiRedaction.ON_READ, true, null);

        ScreeningSettings apply(ScreeningSettings current) {
            return new ScreeningSettings(
                    piiRedaction != null ? piiRedaction : current.piiRedaction(),
                    changeThreshold ? injectionRejectThreshold : current.injectionRejectThreshold());
        }
    }

    /** The project's screening settings (PII redaction mode, injection threshold), in the caller's transaction. */
    public ScreeningSettings screening(UUID projectId) {
        return get(projectId).screening();
    }

    /** Every project's id, for maintenance jobs that then work inside each project's own transaction. */
    public List<UUID> allProjectIds() {
        return projects.allIds();
    }

    /** The retention in force: the project's own setting, else its plan's default (null = keep forever). */
    public Project.Retention effectiveRetention(Project p) {
        ColloquySettings.Plan plan = settings.plans().get(p.plan());
        Project.Retention own = p.retention();
        return new Project.Retention(
                own.dialogueDays() != null ? own.dialogueDays() : plan == null ? null : plan.dialogueDays(),
                own.shortTermMemoryDays() != null
                        ? own.shortTermMemoryDays()
                        : plan == null ? null : plan.shortTermMemoryDays(),
                own.longTermMemoryDays() != null
                        ? own.longTermMemoryDays()
                        : plan == null ? null : plan.longTermMemoryDays());
    }

    /**
     * Locks the project's row for its deletion: 409 DELETE_PROTECTED while its delete protection is on,
     * 404 when a concurrent deletion got there first (it waited for that one to commit).
     */
    public void requireDeletable(UUID projectId) {
        if (projects.findForUpdate(projectId).orElseThrow(ProjectNotFound::new).deleteProtection()) {
            throw new ApiException(
                    ErrorCode.DELETE_PROTECTED,
                    "The project has delete protection on; turn it off with PATCH /v1/project first.");
        }
    }

    /**
     * Deletes the project and, by cascade, every row that belongs to it; each removed row gets a deleted
     * audit event pointing at the project's.
     */
    public void delete(UUID projectId) {
        requireDeletable(projectId);
        deleteRows(projectId);
    }

    /** Whether the project exists (in the caller's tenant transaction). */
    public boolean exists(UUID projectId) {
        return projects.find(projectId).isPresent();
    }

    /**
     * Deletes a project whose deletion the erasure journal recorded (a restored backup brought it back): its delete
     * protection then is what it was before the deletion, which the operator already overrode once.
     */
    public void deleteErased(UUID projectId) {
        projects.findForUpdate(projectId).orElseThrow(ProjectNotFound::new);
        deleteRows(projectId);
    }

    private void deleteRows(UUID projectId) {
        Project p = get(projectId);
        UUID event = audit.record(change(p, Action.DELETED, null));
        events.publishEvent(new ProjectDeleting(projectId, event));
        projects.delete(projectId);
    }

    private static AuditLog.Change change(Project p, Action action, @Nullable Object data) {
        return AuditLog.Change.of(p.id(), null, EntityType.PROJECT, Ids.format("prj", p.id()), action, data);
    }

    private void requireKnownPlan(String plan) {
        if (!settings.plans().containsKey(plan)) {
            throw ValidationFailed.of(
                    "plan",
                    "must be one of "
                            + settings.plans().keySet().stream().sorted().toList());
        }
    }

    /** The key's own project no longer exists. */
    static final class ProjectNotFound extends NotFound {
        ProjectNotFound() {
            super("Project not found.");
        }
    }
}
