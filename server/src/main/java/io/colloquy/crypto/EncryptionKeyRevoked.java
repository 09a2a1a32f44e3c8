package io.colloquy.crypto;

import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;

/** The project's customer-supplied key was revoked: its content can't be read or written. */
public final class EncryptionKeyRevoked extends ApiException {
    EncryptionKeyRevoked() {
        super(
                ErrorCode.ENCRYPTION_KEY_REVOKED,
                "The project's encryption key was revoked; supply it again with PUT /v1/project/encryption-key.");
    }
}
