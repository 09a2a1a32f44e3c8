package io.colloquy.audit;

import io.colloquy.platform.ColloquySettings;
import io.colloquy.platform.ServerSecrets;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The server's Ed25519 checkpoint key: {@code COLLOQUY_AUDIT_SIGNING_KEY} (base64 of the 32-byte seed)
 * or, when unset, a seed generated on first start into {@code <data dir>/secrets/audit-signing.key}
 * (0600). Several servers on one database must share it (like the master key). The private key never
 * leaves this class.
 */
@Component
final class CheckpointSigner {
    private final PrivateKey privateKey;
    private final byte[] rawPublicKey;

    CheckpointSigner(ColloquySettings settings, @Value("${COLLOQUY_AUDIT_SIGNING_KEY:}") String configured) {
        byte[] seed = configured.isBlank()
                ? Base64.getUrlDecoder().decode(new ServerSecrets(settings.dataDir()).getOrCreate("audit-signing.key"))
                : Base64.getDecoder().decode(configured.strip());
        if (seed.length != 32) {
            throw new IllegalArgumentException("COLLOQUY_AUDIT_SIGNING_KEY must be base64 of exactly 32 bytes");
        }
        KeyPair pair = fromSeed(seed);
        this.privateKey = pair.getPrivate();
        this.rawPublicKey = SignedNote.raw(pair.getPublic());
        byte[] probe = "colloquy checkpoint key self-test".getBytes(StandardCharsets.UTF_8);
        if (!SignedNote.verify(rawPublicKey, new String(probe, StandardCharsets.UTF_8), sign(probe))) {
            throw new IllegalStateException("The audit signing key failed its self-test");
        }
    }

    byte[] rawPublicKey() {
        return rawPublicKey.clone();
    }

    byte[] sign(byte[] message) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(privateKey);
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /** The JDK derives an Ed25519 key pair from the 32 bytes its generator draws: hand it the seed. */
    static KeyPair fromSeed(byte[] seed) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
            generator.initialize(NamedParameterSpec.ED25519, new SecureRandom() {
                @Override
                public void nextBytes(byte[] bytes) {
                    if (bytes.length != seed.length) {
                        throw new IllegalStateException("unexpected Ed25519 seed length " + bytes.length);
                    }
                    System.arraycopy(seed, 0, bytes, 0, seed.length);
                }
            });
            KeyPair pair = generator.generateKeyPair();
            byte[] encoded = pair.getPrivate().getEncoded();
            if (!Arrays.equals(Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length), seed)) {
                throw new IllegalStateException("the Ed25519 key was not derived from the configured seed");
            }
            return pair;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is unavailable", e);
        }
    }
}
