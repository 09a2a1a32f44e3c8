package io.colloquy.keys;

import jakarta.servlet.http.HttpServletRequest;

/**
 * A user's session presented with a request (the session cookie), checked for the request path the way an API key
 * is: declared here, where authentication decides, and implemented by the accounts feature, which owns sessions.
 */
public interface SessionCredentials {
    /** Whether the request carries a session cookie at all. */
    boolean presented(HttpServletRequest request);

    /**
     * The session's verdict for a project request: the project is named by the {@code X-Colloquy-Project} header
     * and must be one the user belongs to; a state-changing method must carry the session's {@code X-CSRF-Token}.
     */
    Verdict authenticate(HttpServletRequest request);

    sealed interface Verdict {
        /** A live session of a member of the named project. */
        record Valid(Caller.User user, java.util.List<String> projectIpAllowlist) implements Verdict {}

        /** No such live session (unknown, revoked, idle or past its absolute expiry, wrong secret). */
        record Invalid(String reason) implements Verdict {}

        /** No project named, or one the user does not belong to (a 404 like a project that does not exist). */
        record NoProject(boolean named) implements Verdict {}

        /** A state-changing request without the session's CSRF token. */
        record CsrfRefused() implements Verdict {}
    }
}
