package io.colloquy.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses request targets that no route can serve before anything else looks at them (after the
 * request id and the rate-limit headers are on the response, before authentication and Spring
 * Security's firewall):
 *
 * <ul>
 *   <li>a path with an empty segment ({@code /v1/namespaces//dialogues}): 404 {@code NOT_FOUND}, the
 *       contract's answer for a path without its namespace (no route has an empty segment);
 *   <li>a query string that is not percent-encoded UTF-8 ({@code %ZZ}, {@code %FF}, an encoded
 *       surrogate such as {@code %ED%A0%80}): 400 {@code VALIDATION_FAILED}, where the servlet
 *       container would otherwise fail while reading the parameters; likewise an encoded NUL
 *       ({@code %00}), which no parameter means and PostgreSQL text cannot hold.
 * </ul>
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 4)
final class RequestTargetChecks extends OncePerRequestFilter {
    private final ErrorResponses errors;

    RequestTargetChecks(ErrorResponses errors) {
        this.errors = errors;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getRequestURI().contains("//")) {
            errors.write(request, response, ErrorCode.NOT_FOUND, "Not found.");
            return;
        }
        if (!wellEncoded(request.getQueryString())) {
            errors.write(request, response, ValidationFailed.of("query", "must be percent-encoded UTF-8 (RFC 3986)"));
            return;
        }
        chain.doFilter(request, response);
    }

    /** Whether every {@code %XX} is two hex digits and the decoded bytes are well-formed UTF-8 without NUL. */
    static boolean wellEncoded(@Nullable String query) {
        if (query == null || query.indexOf('%') < 0) {
            return true;
        }
        byte[] bytes = new byte[query.length()];
        int n = 0;
        for (int i = 0; i < query.length(); i++) {
            char c = query.charAt(i);
            if (c == '%') {
                if (i + 2 >= query.length()) {
                    return false;
                }
                int hi = Character.digit(query.charAt(i + 1), 16);
                int lo = Character.digit(query.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return false;
                }
                bytes[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else if (c > 0x7f) {
                return false;
            } else {
                bytes[n++] = (byte) c;
            }
        }
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, n));
            for (int i = 0; i < n; i++) {
                if (bytes[i] == 0) {
                    return false;
                }
            }
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
