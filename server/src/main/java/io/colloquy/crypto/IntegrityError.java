package io.colloquy.crypto;

import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Something sealed does not open although its key should be there: a stored value or a wrapped key
 * altered or corrupted (its GCM tag fails), an unknown format, or the master key a project key was
 * wrapped under is missing or wrong. Always logged at ERROR when made (naming what, never content or
 * key material) and answered {@code 500 INTERNAL} with the request id; never reported as "shredded" or
 * "not found".
 */
public final class IntegrityError extends ApiException {
    private static final Logger log = LoggerFactory.getLogger(IntegrityError.class);

    private IntegrityError() {
        super(ErrorCode.INTERNAL, "Internal error. Quote the request id when reporting it.");
    }

    /** The error, logged at ERROR: {@code what} does not open, {@code why}. */
    static IntegrityError of(String what, String why) {
        log.error("Integrity error: {} does not open: {}", what, why);
        return new IntegrityError();
    }
}
