package io.colloquy.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colloquy.platform.ColloquySettings;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PKCS#11 KEK on a real SoftHSM2 token, without a server: context binding, and the move from a local master key. */
class Pkcs11MasterKeyTests {
    @TempDir
    Path temp;

    private SoftHsm hsm;
    private final String label = "unit-kek-" + UUID.randomUUID().toString().substring(0, 8);
    private final byte[] projectKey = new byte[32];

    @BeforeEach
    void token() throws Exception {
        hsm = SoftHsm.get();
        new SecureRandom().nextBytes(projectKey);
    }

    @Test
    void aKeyWrappedInTheHsmUnwrapsOnlyWithItsOwnContext() {
        Pkcs11MasterKey kek = open(null);
        KeyEncryptionKeyProvider.Wrapped wrapped = kek.wrap(projectKey, Aad.of("colloquy/project-key/v1", "p1", 1));
        assertThat(wrapped.kekId()).isEqualTo("pkcs11/" + label + "/1");
        assertThat(wrapped.bytes()[0]).isEqualTo(WrappedKeys.PREFIXED_CONTEXT);
        assertThat(kek.unwrap(wrapped.kekId(), wrapped.bytes(), Aad.of("colloquy/project-key/v1", "p1", 1)))
                .isEqualTo(projectKey);
        assertThatThrownBy(
                        () -> kek.unwrap(wrapped.kekId(), wrapped.bytes(), Aad.of("colloquy/project-key/v1", "p2", 1)))
                .isInstanceOf(IntegrityError.class);
        byte[] flipped = wrapped.bytes().clone();
        flipped[flipped.length - 1] ^= 1;
        assertThatThrownBy(() -> kek.unwrap(wrapped.kekId(), flipped, Aad.of("colloquy/project-key/v1", "p1", 1)))
                .isInstanceOf(IntegrityError.class);
    }

    @Test
    void movingToTheHsmKeepsLocalKeysReadableUntilTheRotationRewrapsThemInTheHsm() {
        ColloquySettings settings = LocalMasterKeyTests.settings(temp.resolve("data"));
        Aad context = Aad.of("colloquy/project-key/v1", "p1", 1);
        KeyEncryptionKeyProvider.Wrapped local = new LocalMasterKey(settings, "", "").wrap(projectKey, context);
        assertThatThrownBy(() -> open(null).unwrap(local.kekId(), local.bytes(), context))
                .as("without the local master key")
                .isInstanceOf(IntegrityError.class);

        Pkcs11MasterKey moving = open(LocalMasterKey.existing(settings, "", "").orElseThrow());
        assertThat(moving.unwrap(local.kekId(), local.bytes(), context)).isEqualTo(projectKey);
        KeyEncryptionKeyProvider.Wrapped moved = moving.rewrapToCurrent(local.kekId(), local.bytes(), context);
        assertThat(moved.kekId()).isEqualTo("pkcs11/" + label + "/1");

        assertThat(open(null).unwrap(moved.kekId(), moved.bytes(), context))
                .as("no longer needs the local master key")
                .isEqualTo(projectKey);
    }

    @Test
    void noLocalMasterKeyIsMadeForAnInstallationThatNeverHadOne() {
        ColloquySettings settings = LocalMasterKeyTests.settings(temp.resolve("data"));
        assertThat(LocalMasterKey.existing(settings, "", "")).isEmpty();
        assertThat(temp.resolve("data/secrets/master.key")).doesNotExist();
    }

    private Pkcs11MasterKey open(KeyEncryptionKeyProvider previous) {
        return Pkcs11MasterKey.open(
                new Pkcs11MasterKey.Settings(
                        SoftHsm.LIBRARY, hsm.main.slot(), 0, hsm.main.pin().toCharArray(), label),
                previous);
    }
}
