package io.colloquy.limits;

/**
 * Token buckets by name. The built-in implementation keeps them in this server's memory, so with
 * several instances each one limits on its own; a shared implementation (PostgreSQL, Redis) can
 * replace it by declaring another bean of this type.
 */
public interface RateLimiter {

    /** Takes one token from the bucket {@code key} (created full on first use). */
    Decision tryAcquire(String key, Rate rate);

    /** The bucket's state, taking nothing. */
    Decision peek(String key, Rate rate);

    /**
     * The outcome: whether the token was granted, how many whole tokens are left, how long until the
     * next token (when refused) and until the bucket is full again.
     */
    record Decision(boolean allowed, long remaining, long nanosUntilNextToken, long nanosUntilFull) {}
}
