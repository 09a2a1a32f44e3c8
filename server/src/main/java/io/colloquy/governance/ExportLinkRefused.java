package io.colloquy.governance;

import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;

/** An export link that may not be used: forged, expired, its key gone, or from a disallowed address (403). */
final class ExportLinkRefused extends ApiException {
    private ExportLinkRefused(ErrorCode code, String message) {
        super(code, message);
    }

    static ExportLinkRefused invalid() {
        return new ExportLinkRefused(ErrorCode.FORBIDDEN, "The export link is invalid or has expired.");
    }

    static ExportLinkRefused keyGone() {
        return new ExportLinkRefused(
                ErrorCode.FORBIDDEN, "The key that made this export link has been revoked or has expired.");
    }

    static ExportLinkRefused addressNotAllowed() {
        return new ExportLinkRefused(
                ErrorCode.IP_NOT_ALLOWED,
                "This export link may not be used from your IP address (see the project's ip_allowlist).");
    }
}
