package io.colloquy.audit;

import jakarta.servlet.http.HttpServletRequest;
import java.util.UUID;

/**
 * The credential a live audit stream was opened with, checked again for as long as the stream lives
 * (implemented by the keys feature, so the audit feature needs no dependency on it): a stream must end
 * when its key is revoked, expires, loses the admin capability, no longer allows the client's address,
 * or its project is deleted.
 */
public interface StreamCredentials {
    /** The credential of the stream handshake being handled (the authenticated caller of {@code request}). */
    Credential current(HttpServletRequest request);

    interface Credential {
        /** The key the stream was opened with (directly or through a stream token). */
        UUID keyId();

        /** Whether that key may still read the log from the address the stream was opened from. */
        boolean stillValid();
    }
}
