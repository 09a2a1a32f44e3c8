package io.colloquy.keys;

import io.colloquy.web.JsonBody;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** {@code POST /v1/keys}. */
record CreateKeyRequest(
        @Size(max = 200, message = "must be at most 200 characters")
        @Pattern(regexp = JsonBody.NO_NUL, message = JsonBody.NUL_PROBLEM)
        @Nullable
        String name,

        @NotEmpty(message = "must list at least one of read, write, admin")
        @Size(max = 3, message = "must list at most 3 capabilities")
        @Nullable
        List<String> capabilities,

        @Size(max = 100, message = "must have at most 100 entries") @Nullable
        List<String> ipAllowlist,

        @Nullable Instant expiresAt) {}
