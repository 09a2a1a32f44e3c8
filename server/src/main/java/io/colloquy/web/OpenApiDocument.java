package io.colloquy.web;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.JsonSchema;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import java.util.List;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI document at {@code /v1/openapi.json}: what the API is, how to authenticate, what the contract
 * leaves open, and schemas that match the wire (snake_case names, nullable fields, the error body).
 */
@Configuration(proxyBeanMethods = false)
class OpenApiDocument {

    static {
        // Raw JSON trees are documented as JSON objects, never introspected as Java beans.
        SpringDocUtils.getConfig()
                .replaceWithSchema(tools.jackson.databind.JsonNode.class, new JsonSchema().typesItem("object"))
                .replaceWithSchema(tools.jackson.databind.node.ObjectNode.class, new JsonSchema().typesItem("object"));
    }

    /** Property names as the JSON settings write them: snake_case (the models are read with Jackson 2). */
    @Bean
    ModelResolver snakeCaseModels() {
        return new ModelResolver(Json.mapper().copy().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE))
                .openapi31(true);
    }

    @Bean
    RecordNullability recordNullability() {
        return new RecordNullability();
    }

    @Bean
    OpenApiCustomizer contractShapes() {
        return new OpenApiContract();
    }

    @Bean
    OpenAPI colloquyOpenApi() {
        return new OpenAPI()
                // relative: the document is the same whatever host and port serve it (docs/openapi.json)
                .servers(List.of(new Server().url("/")))
                .info(new Info().title("Colloquy API").version("v1").description("""
                                Multi-tenant store for AI conversations and memories. Authenticate with \
                                `Authorization: Bearer cq_key_...` (capabilities read < write < admin). Every error \
                                is `{"error": {"code", "message", "type", "request_id", "fields"?}}`. Choices where \
                                the contract is silent: unknown JSON fields are ignored; an invalid namespace in \
                                the path is 400 VALIDATION_FAILED; a malformed id is 404; wrong methods are 405 \
                                METHOD_NOT_ALLOWED; POST with Idempotency-Key records only 2xx responses (a failed \
                                request can be retried with the same key); replays carry `Idempotent-Replayed: true`; \
                                a stored response is kept 24 h and goes with its namespace or project (a retry \
                                after that runs again); while the customer key is revoked such a POST, and its \
                                replay, is 409 ENCRYPTION_KEY_REVOKED; of concurrent `DELETE /v1/project` one \
                                answers 200, the others 404 (401 once their key is gone); \
                                `DELETE /v1/project` and `DELETE /v1/namespaces/{ns}` answer 200 with a signed receipt \
                                {"receipt", "signed_text", "signature", "algorithm", "key_id"}; key `name` \
                                is optional; memories are listed newest first. \
                                A path with an empty segment (no namespace) is 404 NOT_FOUND; a query that is not \
                                percent-encoded UTF-8 is 400; responses are JSON whatever Accept says; an unknown \
                                HTTP version is 505 HTTP_VERSION_NOT_SUPPORTED; metadata numbers must be exactly \
                                representable as IEEE-754 doubles (RFC 8785), NUL is refused in project and key \
                                names, and expires_at must fall in years 0001 to 9999 (else 400). \
                                Rate limits: every request is charged to one token bucket, its project's for a \
                                valid key (the plan's requests per second, bursts of 2 s worth) or else its client \
                                address's (no key, a bad key, an address outside an allowlist). \
                                `X-RateLimit-Limit` is what the bucket holds (rate x 2), `X-RateLimit-Remaining` \
                                the requests left right now, `X-RateLimit-Reset` the unix second at which the \
                                bucket is full again; on an unlimited plan (and for the operator) Limit and \
                                Remaining are 2147483647 and Reset is now. 429 RATE_LIMIT_EXCEEDED carries \
                                `Retry-After` (seconds until the next request is admitted). 429 \
                                PLAN_LIMIT_EXCEEDED (monthly quota, UTC calendar month) refuses only creates of \
                                that kind and has no Retry-After; a batch append is admitted whole or not at all. \
                                403 IP_NOT_ALLOWED is decided from the key's and the project's ip_allowlist \
                                (both must allow; empty = any) before any project data is read. HSTS is sent on \
                                TLS connections only. 503 SERVICE_UNAVAILABLE (type api_error, with `Retry-After` \
                                in seconds) answers at once while the database is unreachable or out of space; \
                                nothing was written, the request may be retried. \
                                Audit (docs/audit.md): events also \
                                carry `data_salt` (32 random bytes, hex) and `data_hash` = SHA-256(salt || RFC 8785 \
                                form of `data`) (both null without data; events from before salting have no salt and \
                                hash the data alone); the leaf hash is SHA-256(0x00 || RFC 8785 form of the event \
                                without `data`, `data_salt` and `leaf_hash`); deletions carry no data, and when an \
                                entity is removed for good the data (and salt) of its earlier events is erased; \
                                `?format=jsonl` answers application/x-ndjson; \
                                `/v1/audit/consistency` also returns both roots, `to_size` defaults to the current \
                                size and `from_size` 0 gives an empty proof; the checkpoint also returns `origin` and \
                                the C2SP `signed_note`, the public key a C2SP `verifier_key`; stream tokens live 60 s \
                                and are single-use; the stream without `after_seq` sends only new events, and \
                                `after_seq` above the current size is 400; an open stream is closed (1008) within 5 s \
                                once its key is revoked, expires or loses access; more than 5 open streams per key \
                                or 20 per project is 429 RATE_LIMIT_EXCEEDED with Retry-After."""))
                .components(new Components()
                        .addSecuritySchemes(
                                OpenApiContract.API_KEY,
                                new SecurityScheme()
                                        .type(SecurityScheme.Type.HTTP)
                                        .scheme("bearer")
                                        .description("A project API key (cq_key_...)."))
                        .addSecuritySchemes(
                                OpenApiContract.OPERATOR_TOKEN,
                                new SecurityScheme()
                                        .type(SecurityScheme.Type.HTTP)
                                        .scheme("bearer")
                                        .description("The operator token of the server configuration: "
                                                + "POST /v1/projects, PATCH /v1/projects/{id} and "
                                                + "POST /v1/projects/{id}/invites only."))
                        .addSecuritySchemes(
                                OpenApiContract.SESSION,
                                new SecurityScheme()
                                        .type(SecurityScheme.Type.APIKEY)
                                        .in(SecurityScheme.In.COOKIE)
                                        .name("colloquy_session")
                                        .description("A user's session (docs/accounts.md), set by POST /v1/auth/login: "
                                                + "in place of an API key on project routes, with X-Colloquy-Project "
                                                + "naming the project and, on every state-changing request, "
                                                + "X-CSRF-Token (csrf_token of the sign-in answer); the role's "
                                                + "capabilities apply.")))
                .addSecurityItem(new SecurityRequirement().addList(OpenApiContract.API_KEY))
                .addSecurityItem(new SecurityRequirement().addList(OpenApiContract.SESSION));
    }
}
