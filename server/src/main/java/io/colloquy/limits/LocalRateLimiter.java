package io.colloquy.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;

/**
 * Token buckets (bucket4j, greedy refill) in a bounded Caffeine map. A bucket untouched for longer than
 * its burst window is full again, so evicting idle buckets after a minute forgets nothing; the size
 * bound keeps a flood of distinct client addresses from growing memory without limit (an evicted
 * bucket comes back full, which only matters for keys that were busy a moment ago).
 */
final class LocalRateLimiter implements RateLimiter {
    private final Cache<String, Bucket> buckets;
    private final TimeMeter time;

    LocalRateLimiter(long maxBuckets, TimeMeter time) {
        this.buckets = Caffeine.newBuilder()
                .maximumSize(maxBuckets)
                .expireAfterAccess(Duration.ofMinutes(1))
                .build();
        this.time = time;
    }

    @Override
    public Decision tryAcquire(String key, Rate rate) {
        ConsumptionProbe probe = bucket(key, rate).tryConsumeAndReturnRemaining(1);
        return new Decision(
                probe.isConsumed(),
                probe.getRemainingTokens(),
                probe.isConsumed() ? 0 : probe.getNanosToWaitForRefill(),
                probe.getNanosToWaitForReset());
    }

    @Override
    public Decision peek(String key, Rate rate) {
        Bucket bucket = bucket(key, rate);
        long available = bucket.getAvailableTokens();
        EstimationProbe untilFull = bucket.estimateAbilityToConsume(rate.capacity());
        return new Decision(
                available > 0,
                Math.max(0, available),
                available > 0 ? 0 : bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill(),
                untilFull.canBeConsumed() ? 0 : untilFull.getNanosToWaitForRefill());
    }

    /** The key includes the rate: after a plan change the project starts on a bucket of the new shape. */
    private Bucket bucket(String key, Rate rate) {
        return buckets.get(key + "@" + rate.perSecond() + "x" + rate.burstSeconds(), k -> Bucket.builder()
                .addLimit(
                        limit -> limit.capacity(rate.capacity()).refillGreedy(rate.perSecond(), Duration.ofSeconds(1)))
                .withCustomTimePrecision(time)
                .build());
    }
}
