package io.colloquy.accounts;

import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Password hashes: Argon2id with OWASP's parameters (19 MiB memory, 2 iterations, parallelism 1; 16-byte salt,
 * 32-byte hash) through Spring Security's encoder over BouncyCastle. A sign-in for an unknown address still
 * computes one hash, so its answer takes as long as a wrong password's.
 */
@Component
final class Passwords {
    private final Argon2PasswordEncoder encoder = new Argon2PasswordEncoder(16, 32, 1, 19 * 1024, 2);
    private final String decoy = encoder.encode("a password nobody has, to spend the same time");

    String hash(String password) {
        return encoder.encode(password);
    }

    boolean matches(String password, @org.jspecify.annotations.Nullable String hash) {
        if (hash == null) {
            encoder.matches(password, decoy);
            return false;
        }
        return encoder.matches(password, hash);
    }
}
