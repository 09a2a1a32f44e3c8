package io.colloquy.keys;

import io.colloquy.access.IpAccess;
import io.colloquy.limits.RateLimits;
import io.colloquy.platform.OperatorToken;
import io.colloquy.web.BodyLimit;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.ErrorResponses;
import io.colloquy.web.Routes;
import io.colloquy.web.ValidationFailed;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;

/**
 * Decides who calls and whether they may, for the request filter: {@code Authorization: Bearer ...} is
 * an API key anywhere, the operator token only on the operator's routes; on the routes of the route table
 * that accept one (the audit WebSocket), a single-use stream token in {@code ?token=} (browsers cannot send
 * headers there). Right after the key check, and before any tenant data is read, it decides the IP
 * allowlists (403 {@code IP_NOT_ALLOWED}) and the rate limit: a valid key from an allowed address is
 * charged to its project, everything else (no key, a bad key, a disallowed address) to the client
 * address, which is what slows down key guessing. The key check is a database round trip, so an address
 * that has spent that budget is refused (429) before it, unless the key it presents is one this server
 * issued or accepted lately. A present but bad credential is a 401 at once; an absent one is a 401 on
 * every route but the public ones. Then the route's access (the route table) against the caller's
 * capabilities: 403 {@code FORBIDDEN}. Every failure is counted and logged by {@link AuthFailures}.
 *
 * <p>Without {@code Authorization}, a user's session cookie ({@link SessionCredentials}) is the credential on every
 * route that needs one but the operator's: the same allowlist, rate limit and route-table decision, with the
 * capabilities of the user's role in the project the request names.
 */
@Component
public final class ApiKeyAuthentication {
    private final ApiKeyService keys;
    private final OperatorToken operatorToken;
    private final IpAccess access;
    private final RateLimits limits;
    private final ErrorResponses errors;
    private final AuthFailures failures;
    private final SessionCredentials sessions;

    ApiKeyAuthentication(
            ApiKeyService keys,
            OperatorToken operatorToken,
            IpAccess access,
            RateLimits limits,
            ErrorResponses errors,
            AuthFailures failures,
            SessionCredentials sessions) {
        this.sessions = sessions;
        this.keys = keys;
        this.operatorToken = operatorToken;
        this.access = access;
        this.limits = limits;
        this.errors = errors;
        this.failures = failures;
    }

    /** What the credential of a request amounts to, once the response to a refused one is written. */
    public sealed interface Admission {
        /** Refused: the response (401, 403, 429) is written, nothing else may run. */
        record Refused() implements Admission {}

        /** No credential, on a public route: go on without a caller. */
        record Anonymous() implements Admission {}

        /** A caller allowed on this route. */
        record Admitted(Caller caller) implements Admission {}

        /**
         * A well-formed key, not yet checked: the request transaction's first statement checks it
         * ({@code colloquy.begin_request}) and {@link #judgeFirstStatement} decides on what it returned.
         */
        record Deferred(ApiKeyService.Presented key) implements Admission {}
    }

    /**
     * Authenticates the credential of {@code request} (if any) and authorizes it for {@code route}. With
     * {@code mayDefer}, a well-formed API key is not looked up here but {@link Admission.Deferred} to the
     * request transaction's first statement, unless the request has a body and the key was not accepted here
     * lately: a body is never read for a key that was not checked.
     */
    public Admission admit(
            HttpServletRequest request, HttpServletResponse response, Routes.Route route, boolean mayDefer)
            throws IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        String streamToken = header == null && route.streamToken() ? request.getParameter("token") : null;
        if (header == null
                && streamToken == null
                && route.needsCredential()
                && route.access() != Routes.Access.OPERATOR
                && sessions.presented(request)) {
            if (!limits.clientMayTry(request, response)) {
                return new Admission.Refused();
            }
            return judgeSession(sessions.authenticate(request), request, response, route);
        }
        if (header == null && streamToken == null) {
            if (!limits.admitClient(request, response)) {
                return new Admission.Refused();
            }
            if (route.needsCredential()) {
                failures.record("missing", null);
                errors.write(
                        request,
                        response,
                        ErrorCode.UNAUTHENTICATED,
                        "An API key is required: Authorization: Bearer <key>.");
                return new Admission.Refused();
            }
            return new Admission.Anonymous();
        }
        Optional<String> token = header == null ? Optional.empty() : bearer(header);
        if (token.isPresent() && route.access() == Routes.Access.OPERATOR && operatorToken.matches(token.get())) {
            limits.unlimited(response);
            return new Admission.Admitted(new Caller.Operator());
        }
        boolean known = token.isPresent() && keys.knownKeyId(token.get());
        if (!known && !limits.clientMayTry(request, response)) {
            return new Admission.Refused();
        }
        if (mayDefer && streamToken == null && token.isPresent()) {
            Optional<ApiKeyService.Presented> key = keys.presented(token.get());
            if (key.isPresent() && (!BodyLimit.hasBody(request) || keys.vouched(key.get()))) {
                return new Admission.Deferred(key.get());
            }
        }
        ApiKeyService.Verdict verdict = streamToken != null
                ? keys.authenticateStreamToken(streamToken, access.clientAddress(request))
                : token.map(t -> keys.authenticate(t, access.clientAddress(request)))
                        .orElseGet(() -> new ApiKeyService.Verdict.Invalid("malformed"));
        String keyId = token.flatMap(ApiKeyService.Verdict::keyIdOf).orElse(null);
        return judge(verdict, keyId, request, response, route);
    }

    /**
     * Decides on a {@link Admission.Deferred} key from what the request transaction's first statement
     * returned for it ({@code facts} empty: unknown, revoked or a wrong secret): like {@link #admit}, the
     * response to a refusal is written and the caller rolls the transaction back.
     */
    public Admission judgeFirstStatement(
            Admission.Deferred deferred,
            Optional<ApiKeyService.KeyFacts> facts,
            HttpServletRequest request,
            HttpServletResponse response,
            Routes.Route route)
            throws IOException {
        ApiKeyService.Verdict verdict = keys.verdict(deferred.key(), facts, access.clientAddress(request));
        return judge(verdict, deferred.key().publicId(), request, response, route);
    }

    /** Admits or refuses a key's verdict on {@code route}: the allowlists, its project's rate limit, its capabilities. */
    Admission judge(
            ApiKeyService.Verdict verdict,
            @Nullable String keyId,
            HttpServletRequest request,
            HttpServletResponse response,
            Routes.Route route)
            throws IOException {
        switch (verdict) {
            case ApiKeyService.Verdict.Valid valid -> {
                if (!limits.admitProject(request, response, valid.caller().projectId(), valid.plan())) {
                    return new Admission.Refused();
                }
                if (!allowed(valid.caller(), route)) {
                    errors.write(
                            request,
                            response,
                            ErrorCode.FORBIDDEN,
                            "The API key lacks the capability for this request.");
                    return new Admission.Refused();
                }
                return new Admission.Admitted(valid.caller());
            }
            case ApiKeyService.Verdict.AddressNotAllowed ignored -> {
                failures.record("ip_not_allowed", keyId);
                if (limits.admitClient(request, response)) {
                    errors.write(
                            request,
                            response,
                            ErrorCode.IP_NOT_ALLOWED,
                            "This API key may not be used from your IP address (see the key's and the project's"
                                    + " ip_allowlist).");
                }
                return new Admission.Refused();
            }
            case ApiKeyService.Verdict.Invalid invalid -> {
                failures.record(invalid.reason(), keyId);
                if (limits.admitClient(request, response)) {
                    errors.write(
                            request,
                            response,
                            ErrorCode.UNAUTHENTICATED,
                            "Missing, malformed, unknown, expired or revoked API key.");
                }
                return new Admission.Refused();
            }
        }
    }

    /** Admits or refuses a session's verdict on {@code route}, like a key's. */
    private Admission judgeSession(
            SessionCredentials.Verdict verdict,
            HttpServletRequest request,
            HttpServletResponse response,
            Routes.Route route)
            throws IOException {
        switch (verdict) {
            case SessionCredentials.Verdict.Valid valid -> {
                Caller.User user = valid.user();
                if (!access.allows(access.clientAddress(request), List.of(), valid.projectIpAllowlist())) {
                    failures.record("ip_not_allowed", null);
                    errors.write(
                            request,
                            response,
                            ErrorCode.IP_NOT_ALLOWED,
                            "This project may not be used from your IP address (see the project's ip_allowlist).");
                    return new Admission.Refused();
                }
                if (!limits.admitProject(request, response, user.projectId(), user.plan())) {
                    return new Admission.Refused();
                }
                if (!allowed(user, route)) {
                    errors.write(
                            request,
                            response,
                            ErrorCode.FORBIDDEN,
                            "Your role in this project does not allow this request.");
                    return new Admission.Refused();
                }
                return new Admission.Admitted(user);
            }
            case SessionCredentials.Verdict.Invalid invalid -> {
                failures.record("session_" + invalid.reason(), null);
                if (limits.admitClient(request, response)) {
                    errors.write(request, response, ErrorCode.UNAUTHENTICATED, "Missing, expired or revoked session.");
                }
                return new Admission.Refused();
            }
            case SessionCredentials.Verdict.NoProject noProject -> {
                if (noProject.named()) {
                    errors.write(request, response, ErrorCode.NOT_FOUND, "Project not found.");
                } else {
                    errors.write(
                            request,
                            response,
                            ValidationFailed.of(
                                    "X-Colloquy-Project", "required with a session: the id of one of your projects"));
                }
                return new Admission.Refused();
            }
            case SessionCredentials.Verdict.CsrfRefused ignored -> {
                failures.record("csrf", null);
                errors.write(
                        request,
                        response,
                        ErrorCode.FORBIDDEN,
                        "A state-changing request with a session needs the session's X-CSRF-Token header.");
                return new Admission.Refused();
            }
        }
    }

    /**
     * The one authorization table's rule, for an API key or a user's role: the operator's routes never, the others by
     * capability; the owner's routes need an owner (for a key: the admin capability, as before users existed).
     */
    public static boolean allowed(Caller caller, Routes.Route route) {
        Set<Capability> capabilities =
                switch (caller) {
                    case Caller.Key key -> key.capabilities();
                    case Caller.User user -> user.capabilities();
                    case Caller.Operator ignored -> Set.of();
                };
        return switch (route.access()) {
            case PUBLIC, AUTHENTICATED -> true;
            case OPERATOR -> false;
            case READ -> capabilities.contains(Capability.READ);
            case WRITE -> capabilities.contains(Capability.WRITE);
            case ADMIN -> capabilities.contains(Capability.ADMIN);
            case OWNER ->
                caller instanceof Caller.User user
                        ? user.role() == Role.OWNER
                        : capabilities.contains(Capability.ADMIN);
        };
    }

    private static Optional<String> bearer(String header) {
        if (header.length() > 7 && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(header.substring(7).strip());
        }
        return Optional.empty();
    }
}
