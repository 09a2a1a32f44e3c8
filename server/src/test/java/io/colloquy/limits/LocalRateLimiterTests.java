package io.colloquy.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bucket4j.TimeMeter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LocalRateLimiterTests {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    /** A clock the test moves by hand. */
    static final class ManualTime implements TimeMeter {
        long nanos = 1_000 * SECOND;

        @Override
        public long currentTimeNanos() {
            return nanos;
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }
    }

    final ManualTime time = new ManualTime();
    final LocalRateLimiter limiter = new LocalRateLimiter(10_000, time);
    final Rate fivePerSecond = new Rate(5, 2);

    @Test
    void aFullBucketAllowsTwoSecondsWorthThenRefusesUntilTheNextToken() {
        for (int i = 9; i >= 0; i--) {
            RateLimiter.Decision d = limiter.tryAcquire("p", fivePerSecond);
            assertThat(d.allowed()).isTrue();
            assertThat(d.remaining()).isEqualTo(i);
        }
        RateLimiter.Decision refused = limiter.tryAcquire("p", fivePerSecond);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.remaining()).isZero();
        assertThat(refused.nanosUntilNextToken()).isEqualTo(SECOND / 5);
        assertThat(refused.nanosUntilFull()).isEqualTo(2 * SECOND);

        time.nanos += SECOND / 5;
        assertThat(limiter.tryAcquire("p", fivePerSecond).allowed()).isTrue();
        assertThat(limiter.tryAcquire("p", fivePerSecond).allowed()).isFalse();
    }

    @Test
    void refillIsSteadyAndCapsAtTheBurst() {
        for (int i = 0; i < 10; i++) {
            limiter.tryAcquire("p", fivePerSecond);
        }
        time.nanos += SECOND;
        assertThat(limiter.peek("p", fivePerSecond).remaining()).isEqualTo(5);
        assertThat(limiter.peek("p", fivePerSecond).nanosUntilFull()).isEqualTo(SECOND);
        time.nanos += 60 * SECOND;
        RateLimiter.Decision full = limiter.peek("p", fivePerSecond);
        assertThat(full.remaining()).isEqualTo(10);
        assertThat(full.nanosUntilFull()).isZero();
    }

    @Test
    void bucketsAreIndependentAndPeekingTakesNothing() {
        for (int i = 0; i < 10; i++) {
            limiter.tryAcquire("a", fivePerSecond);
        }
        assertThat(limiter.tryAcquire("a", fivePerSecond).allowed()).isFalse();
        assertThat(limiter.tryAcquire("b", fivePerSecond).remaining()).isEqualTo(9);
        for (int i = 0; i < 20; i++) {
            assertThat(limiter.peek("c", fivePerSecond).remaining()).isEqualTo(10);
        }
    }

    @Test
    void aNewRateStartsANewBucketOfTheNewShape() {
        for (int i = 0; i < 10; i++) {
            limiter.tryAcquire("p", fivePerSecond);
        }
        RateLimiter.Decision upgraded = limiter.tryAcquire("p", new Rate(20, 2));
        assertThat(upgraded.allowed()).isTrue();
        assertThat(upgraded.remaining()).isEqualTo(39);
    }

    @Test
    void clientsAreKeyedByIpv4AddressAndIpv6Slash64() {
        assertThat(RateLimits.clientKey(java.net.InetAddress.ofLiteral("203.0.113.7")))
                .isEqualTo("203.0.113.7");
        assertThat(RateLimits.clientKey(java.net.InetAddress.ofLiteral("2001:db8:1:2:aaaa::1")))
                .isEqualTo(RateLimits.clientKey(java.net.InetAddress.ofLiteral("2001:db8:1:2:ffff::9")))
                .isNotEqualTo(RateLimits.clientKey(java.net.InetAddress.ofLiteral("2001:db8:1:3::1")));
    }
}
