package io.colloquy.crypto;

import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;

/**
 * A key was destroyed on purpose — crypto-shredding of a namespace, a deleted project, an older data
 * key version destroyed after re-encryption — so what it sealed is gone for good: answered like a
 * missing entity (404 {@code NOT_FOUND}), logged at INFO. Never thrown for a key that fails its
 * integrity check or whose master key is missing: that is an {@link IntegrityError}.
 */
public class KeyGone extends ApiException {
    private final String what;

    KeyGone(String what) {
        super(ErrorCode.NOT_FOUND, "Not found.");
        this.what = what;
    }

    /** Which key is gone (for logs; no ids, no key material). */
    public String what() {
        return what;
    }
}
