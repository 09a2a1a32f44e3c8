package io.colloquy.accounts;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code colloquy.accounts.*} (docs/accounts.md).
 *
 * @param sessionIdle a session unused this long ends (default 24 h)
 * @param sessionAbsolute a session ends this long after sign-in whatever its use (default 30 days)
 * @param inviteValidity how long a set-up link can be used (default 7 days)
 * @param cookieSecure {@code auto} (default): the session cookie is {@code Secure} unless the request came over plain
 *     HTTP to a loopback address (local development); {@code always}; {@code never} is refused
 * @param baseUrl the address the console is reached at, for set-up links (default: the request's own, or
 *     {@code http://localhost:<port>} for the CLI without a running server)
 * @param loginFreeFailures failed sign-ins of one account or address before back-off starts (default 3)
 * @param loginBackoff the first wait after that; each further failure doubles it (default 1 s)
 * @param loginBackoffMax the longest wait (default 15 min)
 * @param alertFailures this many failures of one account within {@code alertWindow} raise a {@code login.alert}
 *     audit event in each of its projects (default 10)
 * @param alertWindow see {@code alertFailures} (default 15 min)
 */
@ConfigurationProperties("colloquy.accounts")
record AccountSettings(
        @Nullable Duration sessionIdle,
        @Nullable Duration sessionAbsolute,
        @Nullable Duration inviteValidity,
        @Nullable String cookieSecure,
        @Nullable String baseUrl,
        @Nullable Integer loginFreeFailures,
        @Nullable Duration loginBackoff,
        @Nullable Duration loginBackoffMax,
        @Nullable Integer alertFailures,
        @Nullable Duration alertWindow) {

    AccountSettings {
        sessionIdle = positive(sessionIdle, Duration.ofHours(24), "session-idle");
        sessionAbsolute = positive(sessionAbsolute, Duration.ofDays(30), "session-absolute");
        inviteValidity = positive(inviteValidity, Duration.ofDays(7), "invite-validity");
        cookieSecure = cookieSecure == null || cookieSecure.isBlank() ? "auto" : cookieSecure;
        if (!cookieSecure.equals("auto") && !cookieSecure.equals("always")) {
            throw new IllegalArgumentException("colloquy.accounts.cookie-secure must be auto or always");
        }
        baseUrl = baseUrl == null || baseUrl.isBlank() ? null : baseUrl.replaceAll("/+$", "");
        loginFreeFailures = loginFreeFailures == null ? 3 : Math.max(0, loginFreeFailures);
        loginBackoff = positive(loginBackoff, Duration.ofSeconds(1), "login-backoff");
        loginBackoffMax = positive(loginBackoffMax, Duration.ofMinutes(15), "login-backoff-max");
        alertFailures = alertFailures == null ? 10 : Math.max(1, alertFailures);
        alertWindow = positive(alertWindow, Duration.ofMinutes(15), "alert-window");
    }

    private static Duration positive(@Nullable Duration value, Duration otherwise, String name) {
        if (value != null && (value.isNegative() || value.isZero())) {
            throw new IllegalArgumentException("colloquy.accounts." + name + " must be positive");
        }
        return value == null ? otherwise : value;
    }
}
