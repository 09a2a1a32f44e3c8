package io.colloquy.crypto;

import io.colloquy.platform.ColloquySettings;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Which KEK wraps the project keys: {@code colloquy.crypto.kek} ({@code COLLOQUY_KEK}) = {@code local}
 * (default: {@link LocalMasterKey}) or {@code pkcs11} ({@link Pkcs11MasterKey}: a key inside an HSM). Moving
 * to the HSM, a local master key still present keeps unwrapping what it wrapped until the master key rotation
 * has rewrapped everything in the HSM.
 */
@Configuration(proxyBeanMethods = false)
class KeyEncryptionKeyConfiguration {
    @Bean
    KeyEncryptionKeyProvider keyEncryptionKeyProvider(ColloquySettings settings, Environment env) {
        String kind = env.getProperty("colloquy.crypto.kek", "local").strip();
        String masterKey = env.getProperty("COLLOQUY_MASTER_KEY", "");
        String masterKeyDir = env.getProperty("colloquy.crypto.master-key-dir", "");
        return switch (kind) {
            case "", "local" -> new LocalMasterKey(settings, masterKey, masterKeyDir);
            case "pkcs11" ->
                Pkcs11MasterKey.open(
                        Pkcs11MasterKey.Settings.from(env),
                        LocalMasterKey.existing(settings, masterKey, masterKeyDir)
                                .orElse(null));
            default ->
                throw new IllegalArgumentException(
                        "colloquy.crypto.kek (COLLOQUY_KEK) must be 'local' or 'pkcs11', not '" + kind + "'");
        };
    }
}
