package io.colloquy.accounts;

import io.colloquy.access.IpAccess;
import io.colloquy.platform.Ids;
import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.NotFound;
import io.colloquy.web.ValidationFailed;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /v1/auth/*}: a user's own account, no project. Signing in (or accepting an invitation) sets the session
 * cookie with a fresh session id; the other routes need that cookie, and those that change state its
 * {@code X-CSRF-Token} as well.
 */
@RestController
class AuthController {
    private final AccountService accounts;
    private final SessionCookies cookies;
    private final IpAccess access;

    AuthController(AccountService accounts, SessionCookies cookies, IpAccess access) {
        this.accounts = accounts;
        this.cookies = cookies;
        this.access = access;
    }

    record Login(@Nullable String email, @Nullable String password) {}

    record Accept(@Nullable String token, @Nullable String password) {}

    @PostMapping(path = "/v1/auth/login", consumes = MediaType.APPLICATION_JSON_VALUE)
    AccountViews.Me login(HttpServletRequest request, HttpServletResponse response, @RequestBody Login body) {
        String email = AccountService.validEmail(body.email());
        String password = required(body.password(), "password");
        return signedIn(
                request,
                response,
                throttled(
                        response,
                        () -> accounts.login(
                                email,
                                password,
                                address(request),
                                request.getHeader(HttpHeaders.USER_AGENT),
                                SessionCookies.read(request))));
    }

    @PostMapping(path = "/v1/auth/invites/accept", consumes = MediaType.APPLICATION_JSON_VALUE)
    AccountViews.Me accept(HttpServletRequest request, HttpServletResponse response, @RequestBody Accept body) {
        String token = required(body.token(), "token");
        String password = required(body.password(), "password");
        return signedIn(
                request,
                response,
                throttled(
                        response,
                        () -> accounts.accept(
                                token,
                                password,
                                address(request),
                                request.getHeader(HttpHeaders.USER_AGENT),
                                SessionCookies.read(request))));
    }

    @GetMapping("/v1/auth/session")
    AccountViews.Me session(HttpServletRequest request) {
        return AccountViews.Me.of(accounts.whoAmI(current(request)));
    }

    @PostMapping("/v1/auth/logout")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void logout(HttpServletRequest request, HttpServletResponse response) {
        AccountService.Current current = current(request);
        accounts.revoke(current, current.sessionId(), address(request));
        cookies.clear(request, response);
    }

    @GetMapping("/v1/auth/sessions")
    AccountViews.SessionList sessions(HttpServletRequest request) {
        AccountService.Current current = current(request);
        return new AccountViews.SessionList(accounts.sessions(current).stream()
                .map(s -> AccountViews.SessionView.of(s, current.sessionId()))
                .toList());
    }

    @DeleteMapping("/v1/auth/sessions/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void revoke(HttpServletRequest request, HttpServletResponse response, @PathVariable String id) {
        AccountService.Current current = current(request);
        UUID session = Ids.parse("ses", id).orElseThrow(() -> new NotFound("Session not found."));
        accounts.revoke(current, session, address(request));
        if (session.equals(current.sessionId())) {
            cookies.clear(request, response);
        }
    }

    /** The live session of the request, its CSRF token checked for a state-changing one. */
    private AccountService.Current current(HttpServletRequest request) {
        AccountService.Current current = accounts.current(SessionCookies.read(request))
                .orElseThrow(() -> new ApiException(ErrorCode.UNAUTHENTICATED, "Missing, expired or revoked session."));
        if (!SessionCookies.csrfOk(request, current.csrfToken())) {
            throw new ApiException(
                    ErrorCode.FORBIDDEN,
                    "A state-changing request with a session needs the session's X-CSRF-Token header.");
        }
        return current;
    }

    private AccountViews.Me signedIn(
            HttpServletRequest request, HttpServletResponse response, AccountService.SignedIn in) {
        cookies.set(request, response, in.cookie());
        return AccountViews.Me.of(in);
    }

    private static AccountService.SignedIn throttled(
            HttpServletResponse response, java.util.function.Supplier<AccountService.SignedIn> work) {
        try {
            return work.get();
        } catch (AccountService.LoginThrottled e) {
            response.setHeader(
                    HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, (e.retryAfter.toMillis() + 999) / 1000)));
            throw e;
        }
    }

    private String address(HttpServletRequest request) {
        return access.clientAddress(request).getHostAddress();
    }

    private static String required(@Nullable String value, String field) {
        if (value == null || value.isEmpty()) {
            throw ValidationFailed.of(field, "is required");
        }
        return value;
    }
}
