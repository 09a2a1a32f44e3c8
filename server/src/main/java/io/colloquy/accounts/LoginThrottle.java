package io.colloquy.accounts;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Sign-in back-off, per account (the email address as typed, any case, known or not) and per client address: after
 * {@code loginFreeFailures} failures each further one makes the next attempt wait twice as long, from
 * {@code loginBackoff} up to {@code loginBackoffMax}; a success clears the account's count. Failures are counted in
 * {@code colloquy_login_failures_total{reason}}; the {@code alertFailures}-th failure of an account within
 * {@code alertWindow} is an alert (once per window). Kept in this server's memory: behind several servers each
 * counts its own share (docs/accounts.md).
 */
@Component
final class LoginThrottle {
    static final String METER = "colloquy.login.failures";

    private final AccountSettings settings;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Cache<String, State> states;

    private record State(int failures, Instant windowStart, int windowFailures, Instant lockedUntil) {}

    LoginThrottle(AccountSettings settings, Clock clock, MeterRegistry meters) {
        this.settings = settings;
        this.clock = clock;
        this.meters = meters;
        this.states = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfterAccess(settings.loginBackoffMax().plus(settings.alertWindow()))
                .build();
    }

    /** How long the account or the address must still wait before another attempt, if at all. */
    Optional<Duration> wait(String email, String address) {
        Instant now = clock.instant();
        Instant until = later(lockedUntil(account(email)), lockedUntil(address(address)));
        return until.isAfter(now) ? Optional.of(Duration.between(now, until)) : Optional.empty();
    }

    /** Counts a failure; true when it is the account's alert. */
    boolean failed(String email, String address, String reason) {
        meters.counter(METER, "reason", reason).increment();
        count(address(address));
        State account = count(account(email));
        return account.windowFailures() == settings.alertFailures();
    }

    /** An attempt refused while backing off: counted in the metric only (it cannot be a guess that was tried). */
    void refused() {
        meters.counter(METER, "reason", "throttled").increment();
    }

    void succeeded(String email) {
        states.invalidate(account(email));
    }

    private State count(String key) {
        Instant now = clock.instant();
        return states.asMap().compute(key, (k, old) -> {
            int failures = old == null ? 1 : old.failures() + 1;
            boolean sameWindow = old != null
                    && old.windowStart().plus(settings.alertWindow()).isAfter(now);
            Instant windowStart = sameWindow ? old.windowStart() : now;
            int windowFailures = sameWindow ? old.windowFailures() + 1 : 1;
            Instant lockedUntil = now;
            int over = failures - settings.loginFreeFailures();
            if (over > 0) {
                Duration wait = settings.loginBackoff().multipliedBy(1L << Math.min(over - 1, 30));
                lockedUntil =
                        now.plus(wait.compareTo(settings.loginBackoffMax()) > 0 ? settings.loginBackoffMax() : wait);
            }
            return new State(failures, windowStart, windowFailures, lockedUntil);
        });
    }

    private Instant lockedUntil(String key) {
        State s = states.getIfPresent(key);
        return s == null ? Instant.MIN : s.lockedUntil();
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static String account(String email) {
        return "account:" + email.strip().toLowerCase(Locale.ROOT);
    }

    private static String address(String address) {
        return "address:" + address;
    }
}
