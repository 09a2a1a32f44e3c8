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
                                TLS connections only. \
                                Audit (docs/audit.md): events also \
                                carry `data_hash` = SHA-256 of the RFC 8785 form of `data` (null without data); the \
                                leaf hash is SHA-256(0x00 || RFC 8785 form of the event without `data` and \
                                `leaf_hash`); deletions carry no data; `?format=jsonl` answers application/x-ndjson; \
                                `/v1/audit/consistency` also returns both roots, `to_size` defaults to the current \
                                size and `from_size` 0 gives an empty proof; the checkpoint also returns `origin` and \
                                the C2SP `signed_note`, the public key a C2SP `verifier_key`; stream tokens live 60 s \
                                and are single-use; the stream without `after_seq` sends only new events, and \
                                `after_seq` above the current size is 400."""))
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
