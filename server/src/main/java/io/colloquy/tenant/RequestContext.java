package io.colloquy.tenant;

import io.colloquy.audit.AuditActor;
import io.colloquy.audit.AuditContext;
import io.colloquy.keys.Caller;
import io.colloquy.keys.Capability;
import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.NotFound;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The one context of a request (or of a command run outside one): who calls, in which project and
 * namespace ({@code null}: every namespace of the project), with which capabilities under which plan, with
 * which {@code Idempotency-Key} and request id, and the actor the audit log records. Built once by the
 * request filter after the key check, bound once as a scoped value for the whole request (the audit
 * feature reads it as its {@link AuditContext}), and mirrored in the database by {@code SET LOCAL} in the
 * request transaction. Controllers receive it, or its {@link Tenant}, as an argument.
 */
public record RequestContext(
        Caller caller,
        UUID projectId,
        @Nullable Namespace namespace,
        Set<Capability> capabilities,
        @Nullable String plan,
        @Nullable String idempotencyKey,
        @Nullable String requestId,
        AuditActor actor)
        implements AuditContext {

    public RequestContext {
        capabilities = Set.copyOf(capabilities);
    }

    /** The context of a request made with an API key. */
    static RequestContext ofKey(
            Caller.Key key,
            @Nullable Namespace namespace,
            String plan,
            @Nullable String idempotencyKey,
            @Nullable String requestId) {
        return new RequestContext(
                key,
                key.projectId(),
                namespace,
                key.capabilities(),
                plan,
                idempotencyKey,
                requestId,
                AuditActor.apiKey(key.keyId()));
    }

    /** The context of a request made with a user's session, in the project it names, with the role's capabilities. */
    static RequestContext ofUser(
            Caller.User user,
            @Nullable Namespace namespace,
            @Nullable String idempotencyKey,
            @Nullable String requestId) {
        return new RequestContext(
                user,
                user.projectId(),
                namespace,
                user.capabilities(),
                user.plan(),
                idempotencyKey,
                requestId,
                AuditActor.user(user.userId()));
    }

    /** The context of an operator request (project creation, plan changes) for {@code projectId}. */
    static RequestContext ofOperator(UUID projectId, @Nullable String idempotencyKey, @Nullable String requestId) {
        return new RequestContext(
                new Caller.Operator(),
                projectId,
                null,
                Set.of(),
                null,
                idempotencyKey,
                requestId,
                AuditActor.system("operator"));
    }

    /** The context of a command run outside any request (the CLI, a test) acting on one project. */
    public static RequestContext command(UUID projectId, AuditActor actor) {
        return new RequestContext(new Caller.Operator(), projectId, null, Set.of(), null, null, null, actor);
    }

    /** The context bound to the current request or command, if any. */
    public static Optional<RequestContext> current() {
        return AuditContext.current().filter(RequestContext.class::isInstance).map(RequestContext.class::cast);
    }

    /**
     * The same caller acting in one namespace: an MCP tool call, whose namespace is an argument in the request body
     * rather than a segment of its path.
     */
    public RequestContext inNamespace(Namespace namespace) {
        return new RequestContext(caller, projectId, namespace, capabilities, plan, idempotencyKey, requestId, actor);
    }

    public <T> T call(Supplier<T> work) {
        return ScopedValue.where(CURRENT, this).call(work::get);
    }

    public void run(Runnable work) {
        ScopedValue.where(CURRENT, this).run(work);
    }

    public boolean can(Capability capability) {
        return capabilities.contains(capability);
    }

    /**
     * The key that calls; only API-key routes ask. A user's session on such a route (not opened to sessions yet, see
     * docs/accounts.md) is a 403, never a 500.
     */
    public Caller.Key key() {
        if (caller instanceof Caller.Key key) {
            return key;
        }
        if (caller instanceof Caller.User) {
            throw new ApiException(ErrorCode.FORBIDDEN, "This request needs an API key; a session cannot make it.");
        }
        throw new IllegalStateException("This request is not made with an API key");
    }

    /** The project and namespace of a namespace-scoped request. */
    public Tenant tenant() {
        if (namespace == null) {
            throw new NotFound("Not found.");
        }
        return new Tenant(projectId, namespace);
    }

    /** The namespace setting of the tenant transaction: the namespace, or every namespace ({@code *}). */
    String tenantNamespace() {
        return namespace == null ? Namespace.ALL : namespace.name();
    }
}
