package io.colloquy.accounts;

import io.colloquy.access.IpAccess;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseCookie;
import org.springframework.stereotype.Component;

/**
 * The session cookie: {@code colloquy_session}, {@code HttpOnly; SameSite=Strict; Path=/}, and {@code Secure} unless
 * {@code colloquy.accounts.cookie-secure} is {@code auto} (the default) and the request came over plain HTTP from a
 * loopback address (local development on http://localhost; browsers keep such a cookie on this machine only).
 */
@Component
final class SessionCookies {
    static final String NAME = "colloquy_session";
    static final String CSRF_HEADER = "X-CSRF-Token";

    private final AccountSettings settings;
    private final IpAccess access;

    SessionCookies(AccountSettings settings, IpAccess access) {
        this.settings = settings;
        this.access = access;
    }

    static @Nullable String read(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return null;
        }
        for (Cookie c : cookies) {
            if (NAME.equals(c.getName())) {
                return c.getValue();
            }
        }
        return null;
    }

    void set(HttpServletRequest request, HttpServletResponse response, String value) {
        write(request, response, value, settings.sessionAbsolute());
    }

    void clear(HttpServletRequest request, HttpServletResponse response) {
        write(request, response, "", Duration.ZERO);
    }

    private void write(HttpServletRequest request, HttpServletResponse response, String value, Duration maxAge) {
        ResponseCookie cookie = ResponseCookie.from(NAME, value)
                .path("/")
                .httpOnly(true)
                .sameSite("Strict")
                .secure(secure(request))
                .maxAge(maxAge)
                .build();
        response.addHeader(HttpHeaders.SET_COOKIE, cookie.toString());
    }

    boolean secure(HttpServletRequest request) {
        return settings.cookieSecure().equals("always")
                || request.isSecure()
                || !access.clientAddress(request).isLoopbackAddress();
    }

    /** Whether a method changes state (and so needs the session's CSRF token). */
    static boolean changesState(HttpServletRequest request) {
        return switch (request.getMethod()) {
            case "GET", "HEAD", "OPTIONS" -> false;
            default -> true;
        };
    }

    /** Whether a state-changing request carries the session's CSRF token (header, or a form's {@code csrf} field). */
    static boolean csrfOk(HttpServletRequest request, String expected) {
        if (!changesState(request)) {
            return true;
        }
        String presented = request.getHeader(CSRF_HEADER);
        return presented != null && Secrets.sameText(presented, expected);
    }
}
