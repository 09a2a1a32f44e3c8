package io.colloquy.limits;

/**
 * A token bucket's shape: refilled at {@code perSecond} tokens a second, holding at most
 * {@code perSecond * burstSeconds} (a client may spend that much at once after being idle).
 */
public record Rate(long perSecond, long burstSeconds) {
    public Rate {
        if (perSecond < 1 || burstSeconds < 1) {
            throw new IllegalArgumentException("a rate needs at least 1 request per second and a 1 s burst");
        }
    }

    public long capacity() {
        return perSecond * burstSeconds;
    }
}
