package io.colloquy.web;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The OpenAPI document's header: what the API is, how to authenticate, what the contract leaves open. */
@Configuration(proxyBeanMethods = false)
class OpenApiDocument {

    @Bean
    OpenAPI colloquyOpenApi() {
        return new OpenAPI()
                .info(new Info().title("Colloquy API").version("v1").description("""
                                Multi-tenant store for AI conversations and memories. Authenticate with \
                                `Authorization: Bearer cq_key_...` (capabilities read < write < admin). Every error \
                                is `{"error": {"code", "message", "type", "request_id", "fields"?}}`. Choices where \
                                the contract is silent: unknown JSON fields are ignored; an invalid namespace in \
                                the path is 400 VALIDATION_FAILED; a malformed id is 404; wrong methods are 405 \
                                METHOD_NOT_ALLOWED; POST with Idempotency-Key records only 2xx responses (a failed \
                                request can be retried with the same key); replays carry `Idempotent-Replayed: true`; \
                                `DELETE /v1/project` answers 200 with {"project_id", "deleted": true}; key `name` \
                                is optional; memories are listed newest first."""))
                .components(
                        new Components()
                                .addSecuritySchemes(
                                        "apiKey",
                                        new SecurityScheme()
                                                .type(SecurityScheme.Type.HTTP)
                                                .scheme("bearer")
                                                .description(
                                                        "A project API key (cq_key_...) or, on /v1/projects only, the operator token.")))
                .addSecurityItem(new SecurityRequirement().addList("apiKey"));
    }
}
