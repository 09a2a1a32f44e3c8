package io.colloquy.governance;

import io.colloquy.audit.Action;
import io.colloquy.audit.AuditLog;
import io.colloquy.audit.EntityType;
import io.colloquy.crypto.ProjectKeys;
import io.colloquy.keys.Caller;
import io.colloquy.tenancy.ProjectService;
import io.colloquy.web.ValidationFailed;
import java.time.Instant;
import java.util.Base64;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** {@code /v1/project/encryption-key}: the customer's own key (BYOK), its revocation, and rotation (admin). */
@RestController
class EncryptionKeyController {
    private final ProjectKeys projectKeys;
    private final ProjectService projects;
    private final AuditLog audit;

    EncryptionKeyController(ProjectKeys projectKeys, ProjectService projects, AuditLog audit) {
        this.projectKeys = projectKeys;
        this.projects = projects;
        this.audit = audit;
    }

    /**
     * Takes the project's key-change lock, then checks the project is still there: a change that waited
     * for a concurrent project deletion answers 404, not an error.
     */
    private java.util.UUID locked(Caller.Key caller) {
        projectKeys.holdChanges(caller.projectId());
        projects.get(caller.projectId());
        return caller.projectId();
    }

    /** Records a change of the project's key (never key material) and answers with the new status. */
    private StatusView audited(java.util.UUID project, String change, ProjectKeys.Status status) {
        audit.record(AuditLog.Change.of(
                project,
                null,
                EntityType.PROJECT,
                io.colloquy.platform.Ids.format("prj", project),
                Action.UPDATED,
                java.util.Map.of(
                        "encryption_key",
                        change,
                        "customer_key",
                        status.customerKey(),
                        "revoked",
                        status.revoked(),
                        "version",
                        status.version())));
        return StatusView.of(status);
    }

    record SupplyKey(@Nullable String key) {}

    record StatusView(
            boolean customerKey,
            boolean revoked,
            int version,
            @Nullable Instant rotatedAt) {
        static StatusView of(ProjectKeys.Status s) {
            return new StatusView(s.customerKey(), s.revoked(), s.version(), s.rotatedAt());
        }
    }

    @GetMapping("/v1/project/encryption-key")
    StatusView status(Caller.Key caller) {
        return StatusView.of(projectKeys.status(caller.projectId()));
    }

    @PutMapping(path = "/v1/project/encryption-key", consumes = MediaType.APPLICATION_JSON_VALUE)
    StatusView supply(Caller.Key caller, @RequestBody SupplyKey body) {
        byte[] key;
        try {
            key = body.key() == null
                    ? new byte[0]
                    : Base64.getDecoder().decode(body.key().strip());
        } catch (IllegalArgumentException e) {
            key = new byte[0];
        }
        if (key.length != 32) {
            throw ValidationFailed.of("key", "must be base64 of exactly 32 bytes");
        }
        return audited(caller.projectId(), "supplied", projectKeys.supplyCustomerKey(locked(caller), key));
    }

    @DeleteMapping("/v1/project/encryption-key")
    StatusView revoke(Caller.Key caller) {
        return audited(caller.projectId(), "revoked", projectKeys.revokeCustomerKey(locked(caller)));
    }

    @PostMapping("/v1/project/encryption-key/rotate")
    StatusView rotate(Caller.Key caller) {
        return audited(caller.projectId(), "rotated", projectKeys.rotate(locked(caller)));
    }
}
