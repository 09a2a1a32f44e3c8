package io.colloquy.crypto;

import javax.crypto.SecretKey;
import org.springframework.stereotype.Component;

/** The built-in KEK: AES-256-GCM under a key derived (HKDF) from the server's master key. */
@Component
final class LocalMasterKey implements KeyEncryptionKeyProvider {
    private final SecretKey kek;

    LocalMasterKey(ServerKeys keys) {
        this.kek = keys.derive("kek/v1");
    }

    @Override
    public String id() {
        return "local-master/v1";
    }

    @Override
    public byte[] wrap(byte[] key, byte[] context) {
        return ServerKeys.seal(kek, key, context);
    }

    @Override
    public byte[] unwrap(byte[] wrapped, byte[] context) {
        return ServerKeys.open(kek, wrapped, context);
    }
}
