package io.colloquy.crypto;

import io.colloquy.web.CallerProject;
import io.colloquy.web.ValidationFailed;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /v1/project/encryption-key}: the customer's own key (BYOK), its revocation, and rotation (admin).
 * The caller's project comes from the request context as a {@link CallerProject} (so this feature does not
 * depend on the keys or tenant packages); each change is audited through {@link EncryptionKeyChanged}.
 */
@RestController
class EncryptionKeyController {
    private final ProjectKeys projectKeys;
    private final KeyedProjects projects;
    private final ApplicationEventPublisher events;

    EncryptionKeyController(ProjectKeys projectKeys, KeyedProjects projects, ApplicationEventPublisher events) {
        this.projectKeys = projectKeys;
        this.projects = projects;
        this.events = events;
    }

    /**
     * Takes the project's key-change lock, then checks the project is still there: a change that waited
     * for a concurrent project deletion answers 404, not an error.
     */
    private UUID locked(UUID project) {
        projectKeys.holdChanges(project);
        projects.requireExists(project);
        return project;
    }

    /** Announces a change of the project's key (audited in this transaction) and answers with the new status. */
    private StatusView audited(UUID project, String change, ProjectKeys.Status status) {
        events.publishEvent(new EncryptionKeyChanged(project, change, status));
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
    StatusView status(CallerProject caller) {
        return StatusView.of(projectKeys.status(caller.id()));
    }

    @PutMapping(path = "/v1/project/encryption-key", consumes = MediaType.APPLICATION_JSON_VALUE)
    StatusView supply(CallerProject caller, @RequestBody SupplyKey body) {
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
        return audited(caller.id(), "supplied", projectKeys.supplyCustomerKey(locked(caller.id()), key));
    }

    @DeleteMapping("/v1/project/encryption-key")
    StatusView revoke(CallerProject caller) {
        return audited(caller.id(), "revoked", projectKeys.revokeCustomerKey(locked(caller.id())));
    }

    @PostMapping("/v1/project/encryption-key/rotate")
    StatusView rotate(CallerProject caller) {
        return audited(caller.id(), "rotated", projectKeys.rotate(locked(caller.id())));
    }
}
