package io.colloquy.platform;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * The operator's bearer token ({@code COLLOQUY_OPERATOR_TOKEN}, or generated on first start into
 * {@code <data dir>/secrets/operator-token}, 0600). Accepted only for creating projects and changing plans.
 */
@Component
public final class OperatorToken {
    private final byte[] digest;
    private final @Nullable Path file;

    OperatorToken(ColloquySettings settings) {
        String configured = settings.operatorToken();
        if (configured != null && !configured.isBlank()) {
            if (configured.strip().length() < 32) {
                throw new IllegalArgumentException("COLLOQUY_OPERATOR_TOKEN must be at least 32 characters");
            }
            this.digest = sha256(configured.strip());
            this.file = null;
        } else {
            ServerSecrets secrets = new ServerSecrets(settings.dataDir());
            this.digest = sha256(secrets.getOrCreate("operator-token"));
            this.file = secrets.path("operator-token");
        }
    }

    public boolean matches(String presented) {
        return MessageDigest.isEqual(digest, sha256(presented));
    }

    /** Where the generated token is kept, or null when it comes from the configuration. */
    public @Nullable Path file() {
        return file;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
