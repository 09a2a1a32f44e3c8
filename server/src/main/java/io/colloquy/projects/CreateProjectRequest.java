package io.colloquy.projects;

import io.colloquy.web.JsonBody;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.jspecify.annotations.Nullable;

/** {@code POST /v1/projects}. */
record CreateProjectRequest(
        @NotBlank(message = "is required")
        @Size(max = 200, message = "must be at most 200 characters")
        @Pattern(regexp = JsonBody.NO_NUL, message = JsonBody.NUL_PROBLEM)
        @Nullable
        String name,

        @Size(min = 1, max = 64, message = "must be a configured plan")
        @Pattern(regexp = JsonBody.NO_NUL, message = "must be a configured plan")
        @Nullable
        String plan,

        @Nullable Boolean immutableDialogues,
        @Nullable Boolean deleteProtection) {}
