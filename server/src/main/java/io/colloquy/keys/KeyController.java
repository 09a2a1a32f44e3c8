package io.colloquy.keys;

import io.colloquy.access.Cidr;
import io.colloquy.web.FieldProblem;
import io.colloquy.web.Page;
import io.colloquy.web.PageRequest;
import io.colloquy.web.Timestamps;
import io.colloquy.web.ValidationFailed;
import jakarta.validation.Valid;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code /v1/keys}: issue, list and revoke the project's API keys (admin). */
@RestController
class KeyController {
    private final ApiKeyService keys;
    private final Clock clock;

    KeyController(ApiKeyService keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    @PostMapping(path = "/v1/keys", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    KeyView create(Caller.Key caller, @Valid @RequestBody CreateKeyRequest body) {
        List<FieldProblem> problems = new ArrayList<>();
        List<Capability> capabilities = new ArrayList<>();
        List<String> requested = body.capabilities() == null ? List.of() : body.capabilities();
        for (int i = 0; i < requested.size(); i++) {
            String name = requested.get(i);
            Capability.fromWire(name == null ? "" : name)
                    .ifPresentOrElse(
                            capabilities::add,
                            () -> problems.add(
                                    new FieldProblem("capabilities", "must contain only read, write, admin")));
        }
        List<Cidr> allowlist = List.of();
        try {
            allowlist = Cidr.parseAll(body.ipAllowlist() == null ? List.of() : body.ipAllowlist());
        } catch (IllegalArgumentException e) {
            problems.add(new FieldProblem("ip_allowlist", String.valueOf(e.getMessage())));
        }
        if (body.expiresAt() != null && !Timestamps.inRange(body.expiresAt())) {
            problems.add(new FieldProblem("expires_at", Timestamps.PROBLEM));
        } else if (body.expiresAt() != null && !body.expiresAt().isAfter(clock.instant())) {
            problems.add(new FieldProblem("expires_at", "must be in the future"));
        }
        if (!problems.isEmpty()) {
            throw new ValidationFailed(problems);
        }
        ApiKeyService.IssuedKey issued = keys.issue(
                caller.projectId(),
                new ApiKeyService.NewKey(
                        body.name(), capabilities.stream().distinct().sorted().toList(), allowlist, body.expiresAt()));
        return KeyView.of(issued.key(), issued.secret());
    }

    @GetMapping("/v1/keys")
    Page<KeyView> list(
            Caller.Key caller,
            @RequestParam(required = false) @Nullable String limit,
            @RequestParam(required = false) @Nullable String cursor) {
        Page<ApiKey> page = keys.list(caller.projectId(), PageRequest.of(limit, cursor));
        return new Page<>(page.data().stream().map(k -> KeyView.of(k, null)).toList(), page.nextCursor());
    }

    @DeleteMapping("/v1/keys/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void revoke(Caller.Key caller, @PathVariable String id) {
        keys.revoke(caller.projectId(), id);
    }
}
