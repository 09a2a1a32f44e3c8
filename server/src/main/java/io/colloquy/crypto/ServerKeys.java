package io.colloquy.crypto;

import io.colloquy.platform.ColloquySettings;
import io.colloquy.platform.ServerSecrets;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.KDF;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.HKDFParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The server key ({@code COLLOQUY_SERVER_KEY}, base64 of 32 bytes, or a 0600 key file generated in the
 * data dir on first start) and keys derived from it per purpose with HKDF-SHA256: export-link
 * signatures, keyed digests (idempotency keys, project ids). It is not the master key (the KEK of the
 * content key hierarchy, see {@link LocalMasterKey}), so rotating the master key leaves these alone.
 */
@Component
public final class ServerKeys {
    private final SecretKey master;

    ServerKeys(ColloquySettings settings, @Value("${COLLOQUY_SERVER_KEY:}") String configured) {
        byte[] key = configured.isBlank()
                ? Base64.getUrlDecoder().decode(new ServerSecrets(settings.dataDir()).getOrCreate("server.key"))
                : Base64.getDecoder().decode(configured.strip());
        if (key.length != 32) {
            throw new IllegalArgumentException("COLLOQUY_SERVER_KEY must be base64 of exactly 32 bytes");
        }
        this.master = new SecretKeySpec(key, "HKDF");
    }

    /** A 256-bit key for one purpose, e.g. {@code "idempotency-responses/v1"}. */
    public SecretKey derive(String purpose) {
        try {
            KDF hkdf = KDF.getInstance("HKDF-SHA256");
            return hkdf.deriveKey(
                    "AES",
                    HKDFParameterSpec.ofExtract()
                            .addIKM(master)
                            .thenExpand(purpose.getBytes(StandardCharsets.UTF_8), 32));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HKDF is unavailable", e);
        }
    }

    /** HMAC-SHA256 of {@code data} under a purpose key. */
    public static byte[] hmac(SecretKey key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable", e);
        }
    }
}
