package io.colloquy.limits;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;
import java.util.UUID;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * The plan of the project a request was admitted for, as read with its key a moment before: the quota
 * check of the same request uses it instead of reading the project again.
 */
record RequestPlan(UUID project, String plan) {
    private static final String ATTRIBUTE = RequestPlan.class.getName();

    static void attach(HttpServletRequest request, UUID project, String plan) {
        request.setAttribute(ATTRIBUTE, new RequestPlan(project, plan));
    }

    /** The plan admitted for {@code project} in the current request, if this thread serves one. */
    static Optional<String> current(UUID project) {
        RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
        if (attributes != null
                && attributes.getAttribute(ATTRIBUTE, RequestAttributes.SCOPE_REQUEST) instanceof RequestPlan p
                && p.project().equals(project)) {
            return Optional.of(p.plan());
        }
        return Optional.empty();
    }
}
