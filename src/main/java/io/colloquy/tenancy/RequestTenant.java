package io.colloquy.tenancy;

import jakarta.servlet.http.HttpServletRequest;
import java.util.UUID;

/** The tenant a request runs as: its project and its namespace ({@code *} for project-wide routes). */
record RequestTenant(UUID projectId, String namespace) {
    private static final String ATTRIBUTE = RequestTenant.class.getName();

    static RequestTenant of(HttpServletRequest request) {
        if (request.getAttribute(ATTRIBUTE) instanceof RequestTenant t) {
            return t;
        }
        throw new IllegalStateException("No tenant transaction for this request");
    }

    void attachTo(HttpServletRequest request) {
        request.setAttribute(ATTRIBUTE, this);
    }
}
