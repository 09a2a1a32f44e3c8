package io.colloquy.access;

import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code colloquy.access.*}: the reverse proxies whose {@code X-Forwarded-For} is believed
 * ({@code COLLOQUY_TRUSTED_PROXIES}, comma-separated CIDRs; empty = none, the socket address is the client).
 */
@ConfigurationProperties("colloquy.access")
public record AccessSettings(@Nullable List<String> trustedProxies) {

    public AccessSettings {
        trustedProxies = trustedProxies == null
                ? List.of()
                : trustedProxies.stream()
                        .map(String::strip)
                        .filter(s -> !s.isEmpty())
                        .toList();
    }

    /** The trusted proxies, parsed; a bad entry stops the server at start. */
    List<Cidr> trustedProxyRanges() {
        try {
            return Cidr.parseAll(trustedProxies);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("colloquy.access.trusted-proxies: " + e.getMessage(), e);
        }
    }
}
