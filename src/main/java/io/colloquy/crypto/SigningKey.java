package io.colloquy.crypto;

import io.colloquy.platform.ColloquySettings;
import io.colloquy.platform.ServerSecrets;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.springframework.stereotype.Component;

/**
 * The server's Ed25519 signing key (audit checkpoints, deletion receipts): generated on first start
 * into {@code <data dir>/secrets/signing-key} (0600, PKCS#8, base64), its public half served to
 * clients. Key id = first 16 hex digits of SHA-256 over the raw 32-byte public key.
 */
@Component
public final class SigningKey {
    private static final int RAW_PUBLIC_KEY_BYTES = 32;
    private final PrivateKey privateKey;
    private final PublicKey publicKey;

    SigningKey(ColloquySettings settings) {
        try {
            ServerSecrets secrets = new ServerSecrets(settings.dataDir());
            String stored = secrets.getOrCreateWith("signing-key", () -> {
                KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                return Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()) + "."
                        + Base64.getEncoder().encodeToString(pair.getPublic().getEncoded());
            });
            String[] parts = stored.split("\\.");
            KeyFactory factory = KeyFactory.getInstance("Ed25519");
            this.privateKey = factory.generatePrivate(
                    new PKCS8EncodedKeySpec(Base64.getDecoder().decode(parts[0])));
            this.publicKey = factory.generatePublic(
                    new X509EncodedKeySpec(Base64.getDecoder().decode(parts[1])));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalStateException("Cannot load or create the Ed25519 signing key", e);
        }
    }

    /** Base64 of the Ed25519 signature over {@code message}. */
    public String sign(byte[] message) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(privateKey);
            s.update(message);
            return Base64.getEncoder().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    public String sign(String message) {
        return sign(message.getBytes(StandardCharsets.UTF_8));
    }

    /** The raw 32-byte public key. */
    public byte[] rawPublicKey() {
        byte[] der = publicKey.getEncoded();
        return Arrays.copyOfRange(der, der.length - RAW_PUBLIC_KEY_BYTES, der.length);
    }

    public String keyId() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(rawPublicKey()), 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public String pem() {
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(publicKey.getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    public PublicKey publicKey() {
        return publicKey;
    }
}
