package io.colloquy.limits;

import io.colloquy.access.IpAccess;
import io.colloquy.platform.ColloquySettings;
import io.colloquy.web.EarlyHeaders;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.ErrorResponses;
import io.colloquy.web.Routes;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Clock;
import java.util.HexFormat;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Admits each request against exactly one token bucket and says so in {@code X-RateLimit-*}: the
 * project's bucket for a valid key (rate of its plan, read with the key on every request, so a plan
 * change applies to the next request), otherwise the client address's bucket (no key, a bad key, or
 * a key used from outside its allowlist). Headers: {@code Limit} = what the bucket holds (rate x burst
 * seconds), {@code Remaining} = whole requests left now, {@code Reset} = unix second when it is full
 * again. An unlimited plan (and the operator) gets {@value #UNLIMITED} for Limit and Remaining.
 */
@Service
public class RateLimits implements EarlyHeaders {
    public static final String LIMIT = "X-RateLimit-Limit";
    public static final String REMAINING = "X-RateLimit-Remaining";
    public static final String RESET = "X-RateLimit-Reset";
    /** Limit and Remaining of an unlimited plan: no client will ever count down from it. */
    public static final int UNLIMITED = Integer.MAX_VALUE;

    private static final Logger log = LoggerFactory.getLogger(RateLimits.class);

    private final RateLimiter limiter;
    private final ColloquySettings settings;
    private final RateLimitSettings limits;
    private final IpAccess access;
    private final ErrorResponses errors;
    private final Clock clock;
    private final Rate unauthenticated;

    RateLimits(
            RateLimiter limiter,
            ColloquySettings settings,
            RateLimitSettings limits,
            IpAccess access,
            ErrorResponses errors,
            Clock clock) {
        this.limiter = limiter;
        this.settings = settings;
        this.limits = limits;
        this.access = access;
        this.errors = errors;
        this.clock = clock;
        this.unauthenticated = new Rate(limits.unauthenticatedPerSecond(), limits.burstSeconds());
    }

    /**
     * Charges a request of a valid key to its project's bucket. Returns false when the bucket is empty,
     * after writing 429 {@code RATE_LIMIT_EXCEEDED} with {@code Retry-After}.
     */
    public boolean admitProject(HttpServletRequest request, HttpServletResponse response, UUID project, String plan)
            throws IOException {
        long perSecond = planOf(plan).ratePerSecond();
        if (perSecond <= 0) {
            unlimited(response);
            return true;
        }
        Rate rate = new Rate(perSecond, limits.burstSeconds());
        RateLimiter.Decision decision = limiter.tryAcquire("project:" + project, rate);
        headers(response, rate, decision);
        if (decision.allowed()) {
            return true;
        }
        refuse(
                request,
                response,
                decision,
                "This project may send " + perSecond + " requests per second (bursts of " + rate.capacity() + ").");
        return false;
    }

    /**
     * Charges a request without a valid key to its client address's bucket (IPv6 by /64, what one
     * subscriber usually holds). Health probes are never refused nor charged, so a key-guessing flood
     * from behind the same proxy cannot take the server out of its load balancer.
     */
    public boolean admitClient(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String key = clientKeyOf(request);
        if (Routes.of(request).route().probe()) {
            headers(response, unauthenticated, limiter.peek(key, unauthenticated));
            return true;
        }
        RateLimiter.Decision decision = limiter.tryAcquire(key, unauthenticated);
        headers(response, unauthenticated, decision);
        if (decision.allowed()) {
            return true;
        }
        refuse(request, response, decision, "Too many requests without a valid API key from this address.");
        return false;
    }

    /**
     * Before a key lookup (a database round trip): whether this address still has budget for requests
     * without a valid key. When it has none, writes 429 {@code RATE_LIMIT_EXCEEDED} and returns false,
     * taking nothing; a failed lookup is charged afterwards by {@link #admitClient}.
     */
    public boolean clientMayTry(HttpServletRequest request, HttpServletResponse response) throws IOException {
        RateLimiter.Decision decision = limiter.peek(clientKeyOf(request), unauthenticated);
        if (decision.remaining() > 0) {
            return true;
        }
        headers(response, unauthenticated, decision);
        refuse(request, response, decision, "Too many requests without a valid API key from this address.");
        return false;
    }

    /**
     * Puts the client address's bucket in the headers, taking nothing: every response carries them,
     * also one refused before authentication decides which bucket the request is charged to.
     */
    public void describeClient(HttpServletRequest request, HttpServletResponse response) {
        headers(response, unauthenticated, limiter.peek(clientKeyOf(request), unauthenticated));
    }

    /** For responses the servlet container writes itself (a malformed request): never throws. */
    @Override
    public void addTo(HttpServletRequest request, HttpServletResponse response) {
        try {
            describeClient(request, response);
        } catch (RuntimeException unreadable) {
            // not even the peer address is readable: a full bucket is what such a client will see next
            response.setHeader(LIMIT, Long.toString(unauthenticated.capacity()));
            response.setHeader(REMAINING, Long.toString(unauthenticated.capacity()));
            response.setHeader(RESET, Long.toString(epochSecondsIn(0)));
        }
    }

    /** A request no bucket governs (the operator): the headers say so. */
    public void unlimited(HttpServletResponse response) {
        response.setHeader(LIMIT, Integer.toString(UNLIMITED));
        response.setHeader(REMAINING, Integer.toString(UNLIMITED));
        response.setHeader(RESET, Long.toString(epochSecondsIn(0)));
    }

    private ColloquySettings.Plan planOf(String plan) {
        ColloquySettings.Plan p = settings.plans().get(plan);
        if (p == null) {
            log.warn("Plan '{}' is not configured any more; applying the default plan's limits", plan);
            return settings.plans().get(settings.defaultPlan());
        }
        return p;
    }

    private void headers(HttpServletResponse response, Rate rate, RateLimiter.Decision decision) {
        response.setHeader(LIMIT, Long.toString(rate.capacity()));
        response.setHeader(REMAINING, Long.toString(decision.remaining()));
        response.setHeader(RESET, Long.toString(epochSecondsIn(decision.nanosUntilFull())));
    }

    private void refuse(
            HttpServletRequest request, HttpServletResponse response, RateLimiter.Decision decision, String why)
            throws IOException {
        long retryAfter = Math.max(1, ceilSeconds(decision.nanosUntilNextToken()));
        response.setHeader("Retry-After", Long.toString(retryAfter));
        errors.write(
                request,
                response,
                ErrorCode.RATE_LIMIT_EXCEEDED,
                "Rate limit exceeded. " + why + " Retry after " + retryAfter + " s.");
    }

    /** The unix second by which {@code nanos} from now will have passed (rounded up). */
    private long epochSecondsIn(long nanos) {
        long millis = clock.millis() + (nanos + 999_999) / 1_000_000;
        return (millis + 999) / 1000;
    }

    private static long ceilSeconds(long nanos) {
        return (nanos + 999_999_999L) / 1_000_000_000L;
    }

    private String clientKeyOf(HttpServletRequest request) {
        return "client:" + clientKey(access.clientAddress(request));
    }

    static String clientKey(InetAddress address) {
        if (address instanceof Inet4Address) {
            return address.getHostAddress();
        }
        byte[] prefix = java.util.Arrays.copyOf(address.getAddress(), 8);
        return HexFormat.of().formatHex(prefix) + "::/64";
    }
}
