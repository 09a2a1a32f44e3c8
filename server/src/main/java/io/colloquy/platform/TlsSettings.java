package io.colloquy.platform;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code colloquy.tls.*}: HTTPS for the API port. {@code COLLOQUY_TLS_CERT} + {@code COLLOQUY_TLS_KEY}
 * (PEM files), or {@code COLLOQUY_TLS=self-signed} (a certificate generated into the data dir on first
 * start), or neither: plain HTTP, meant for loopback during development.
 */
@ConfigurationProperties("colloquy.tls")
public record TlsSettings(
        @Nullable String mode,
        @Nullable String cert,
        @Nullable String key) {
    public static final String SELF_SIGNED = "self-signed";

    public TlsSettings {
        mode = blankToNull(mode);
        cert = blankToNull(cert);
        key = blankToNull(key);
        if (mode != null && !mode.equals(SELF_SIGNED) && !mode.equals("off")) {
            throw new IllegalArgumentException("COLLOQUY_TLS must be 'self-signed' or unset, not '" + mode + "'");
        }
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("COLLOQUY_TLS_CERT and COLLOQUY_TLS_KEY must be set together");
        }
        if (SELF_SIGNED.equals(mode) && cert != null) {
            throw new IllegalArgumentException(
                    "Set either COLLOQUY_TLS=self-signed or COLLOQUY_TLS_CERT/COLLOQUY_TLS_KEY, not both");
        }
    }

    public boolean selfSigned() {
        return SELF_SIGNED.equals(mode);
    }

    public boolean enabled() {
        return selfSigned() || cert != null;
    }

    private static @Nullable String blankToNull(@Nullable String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
