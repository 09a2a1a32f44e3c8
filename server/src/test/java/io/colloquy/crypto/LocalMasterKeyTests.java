package io.colloquy.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.platform.ColloquySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** Where the built-in master key lives, and the warning at start when it sits beside the data it protects. */
@ExtendWith(OutputCaptureExtension.class)
class LocalMasterKeyTests {
    private static final String WARNING = "lives inside the data directory";

    @TempDir
    Path temp;

    @Test
    void warnsAtStartWhenTheMasterKeyFileIsInsideTheDataDirectory(CapturedOutput output) {
        Path dataDir = temp.resolve("data");
        new LocalMasterKey(settings(dataDir), "", "");
        assertThat(output.getAll())
                .contains(WARNING)
                .contains(dataDir.resolve("secrets/master.key").toString());
    }

    @Test
    void warnsWhenAKeyDirectoryIsConfiguredInsideTheDataDirectoryThroughASymbolicLink(CapturedOutput output)
            throws Exception {
        Path dataDir = Files.createDirectories(temp.resolve("data"));
        Path link = Files.createSymbolicLink(temp.resolve("keys-link"), dataDir);
        new LocalMasterKey(settings(dataDir), "", link.resolve("keys").toString());
        assertThat(output.getAll()).contains(WARNING);
    }

    @Test
    void keepsTheMasterKeyOutsideTheDataDirectoryWithoutAWarningAndUsesIt(CapturedOutput output) {
        Path dataDir = temp.resolve("data");
        Path keyDir = temp.resolve("keys");
        LocalMasterKey master = new LocalMasterKey(settings(dataDir), "", keyDir.toString());
        assertThat(output.getAll()).doesNotContain(WARNING);
        assertThat(keyDir.resolve("master.key")).isRegularFile();
        assertThat(dataDir.resolve("secrets/master.key")).doesNotExist();
        byte[] key = new byte[32];
        KeyEncryptionKeyProvider.Wrapped wrapped = master.wrap(key, Aad.of("test", 1));
        LocalMasterKey again = new LocalMasterKey(settings(dataDir), "", keyDir.toString());
        assertThat(again.unwrap(wrapped.kekId(), wrapped.bytes(), Aad.of("test", 1)))
                .isEqualTo(key);
    }

    @Test
    void doesNotWarnWhenTheMasterKeyComesFromTheEnvironment(CapturedOutput output) {
        new LocalMasterKey(
                settings(temp.resolve("data")), java.util.Base64.getEncoder().encodeToString(new byte[32]), "");
        assertThat(output.getAll()).doesNotContain(WARNING);
    }

    static ColloquySettings settings(Path dataDir) {
        return new ColloquySettings(
                dataDir,
                null,
                new ColloquySettings.Database(null, "colloquy_owner", null, "colloquy_app", null, 1, null, null, null),
                new ColloquySettings.Limits(1, 1, 1),
                "unlimited",
                Map.of("unlimited", new ColloquySettings.Plan(0, null, null, null, null, null, null)));
    }
}
