package io.colloquy.projects;

import io.colloquy.access.Cidr;
import io.colloquy.access.IpAccess;
import io.colloquy.keys.Caller;
import io.colloquy.keys.KeyView;
import io.colloquy.screening.PiiRedaction;
import io.colloquy.tenant.RequestContext;
import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.JsonBody;
import io.colloquy.web.ValidationFailed;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import java.net.InetAddress;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** The operator's project endpoints and a key's own project. */
@RestController
class ProjectController {
    private final ProjectService projects;
    private final IpAccess access;

    ProjectController(ProjectService projects, IpAccess access) {
        this.projects = projects;
        this.access = access;
    }

    record CreatedProjectView(ProjectView project, KeyView key) {}

    @PostMapping(path = "/v1/projects", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    CreatedProjectView create(RequestContext context, @Valid @RequestBody CreateProjectRequest body) {
        UUID projectId = context.projectId();
        ProjectService.CreatedProject created = projects.create(
                projectId,
                new ProjectService.NewProject(
                        body.name(),
                        body.plan(),
                        Boolean.TRUE.equals(body.immutableDialogues()),
                        Boolean.TRUE.equals(body.deleteProtection())));
        return new CreatedProjectView(
                ProjectView.of(created.project()),
                KeyView.of(created.key().key(), created.key().secret()));
    }

    @PatchMapping(path = "/v1/projects/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
    ProjectView changePlan(RequestContext context, @PathVariable String id, @RequestBody JsonNode body) {
        JsonBody patch = JsonBody.of(body);
        String plan = patch.text("plan", 1, 64);
        if (plan == null) {
            patch.problem("plan", "is required");
        }
        patch.validate();
        return ProjectView.of(projects.update(
                context.projectId(), new ProjectService.ProjectChanges(null, plan, null, null, null, null, null)));
    }

    @GetMapping("/v1/project")
    ProjectView get(Caller.Key caller) {
        return ProjectView.of(projects.get(caller.projectId()));
    }

    @PatchMapping(path = "/v1/project", consumes = MediaType.APPLICATION_JSON_VALUE)
    ProjectView update(HttpServletRequest request, Caller.Key caller, @RequestBody JsonNode body) {
        JsonBody patch = JsonBody.of(body);
        if (patch.has("plan")) {
            throw new ApiException(
                    ErrorCode.FORBIDDEN, "The plan is the operator's to change (PATCH /v1/projects/{id}).");
        }
        String name = patch.has("name") && patch.isNull("name")
                ? patch.problem("name", "must not be null")
                : patch.name("name", 1, 200);
        Boolean deleteProtection = patch.bool("delete_protection");
        Boolean immutable = patch.bool("immutable_dialogues");
        Integer recovery = patch.integer("recovery_window_days", 0, 3650);
        List<Cidr> allowlist = allowlist(patch);
        Project.Retention retention = retention(patch);
        ProjectService.ScreeningChanges screening = screening(patch);
        boolean confirmed = Boolean.TRUE.equals(patch.bool("confirm"));
        patch.validate();
        if (allowlist != null
                && !allowlist.isEmpty()
                && !confirmed
                && !containsCaller(allowlist, access.clientAddress(request))) {
            throw ValidationFailed.of(
                    "ip_allowlist", "would exclude your own IP address; send \"confirm\": true to apply it anyway");
        }
        return ProjectView.of(projects.update(
                caller.projectId(),
                new ProjectService.ProjectChanges(
                        name, null, deleteProtection, allowlist, retention, recovery, immutable, screening)));
    }

    private static @Nullable List<Cidr> allowlist(JsonBody patch) {
        if (!patch.has("ip_allowlist")) {
            return null;
        }
        if (patch.isNull("ip_allowlist")) {
            return List.of();
        }
        List<String> entries = patch.strings("ip_allowlist", Cidr.MAX_ENTRIES, 64);
        if (entries == null) {
            return null;
        }
        try {
            return Cidr.parseAll(entries);
        } catch (IllegalArgumentException e) {
            return patch.problem("ip_allowlist", e.getMessage());
        }
    }

    private static Project.@Nullable Retention retention(JsonBody patch) {
        if (!patch.has("retention")) {
            return null;
        }
        if (patch.isNull("retention")) {
            return Project.Retention.PLAN_DEFAULTS;
        }
        var node = patch.object("retention");
        if (node == null) {
            return null;
        }
        JsonBody r = JsonBody.of(node);
        Integer dialogues = r.integer("dialogue_days", 1, 36500);
        Integer shortTerm = r.integer("short_term_memory_days", 1, 36500);
        Integer longTerm = r.integer("long_term_memory_days", 1, 36500);
        try {
            r.validate();
        } catch (ValidationFailed e) {
            e.fields().forEach(f -> patch.problem("retention." + f.field(), f.problem()));
            return null;
        }
        return new Project.Retention(dialogues, shortTerm, longTerm);
    }

    /**
     * {@code "screening": {"pii_redaction": "on_read"|"on_write", "injection_reject_threshold": 0..1 | null}}, merged:
     * a field left out stays as it is; {@code "screening": null} puts both back to their defaults.
     */
    private static ProjectService.@Nullable ScreeningChanges screening(JsonBody patch) {
        if (!patch.has("screening")) {
            return null;
        }
        if (patch.isNull("screening")) {
            return ProjectService.ScreeningChanges.RESET;
        }
        var node = patch.object("screening");
        if (node == null) {
            return null;
        }
        java.util.Set<String> known = java.util.Set.of("pii_redaction", "injection_reject_threshold");
        for (String field : node.propertyNames()) {
            if (!known.contains(field)) {
                patch.problem(
                        "screening." + field, "is not a screening setting (pii_redaction, injection_reject_threshold)");
            }
        }
        PiiRedaction mode = null;
        JsonNode modeNode = node.get("pii_redaction");
        if (modeNode != null) {
            mode = modeNode.isString()
                    ? PiiRedaction.fromWire(modeNode.asString()).orElse(null)
                    : null;
            if (mode == null) {
                patch.problem("screening.pii_redaction", "must be on_read or on_write");
            }
        }
        JsonNode thresholdNode = node.get("injection_reject_threshold");
        Double threshold = null;
        if (thresholdNode != null && !thresholdNode.isNull()) {
            if (thresholdNode.isNumber() && thresholdNode.asDouble() >= 0.001 && thresholdNode.asDouble() <= 1) {
                threshold = thresholdNode.asDouble();
            } else {
                patch.problem("screening.injection_reject_threshold", "must be a number from 0.001 to 1, or null");
            }
        }
        return new ProjectService.ScreeningChanges(mode, thresholdNode != null, threshold);
    }

    private static boolean containsCaller(List<Cidr> allowlist, InetAddress caller) {
        return allowlist.stream().anyMatch(c -> c.contains(caller));
    }
}
