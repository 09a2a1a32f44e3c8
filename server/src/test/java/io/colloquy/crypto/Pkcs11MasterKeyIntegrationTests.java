package io.colloquy.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colloquy.ColloquyApplication;
import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.platform.CliCommand;
import io.colloquy.platform.DatabaseEndpoint;
import io.colloquy.platform.TestDatabases;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.Provider;
import java.security.Security;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import javax.crypto.SecretKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code COLLOQUY_KEK=pkcs11} against a real SoftHSM2 token made for this run: a server of its own (own data dir,
 * and a database of its own in the test run's PostgreSQL, since a master key rotation rewraps every project in its
 * database) wraps every project key inside the token, rotates the master key to a new token key and still reads
 * what it wrote before; the token refuses to give the key out; a wrong PIN stops the start with a clear message,
 * and no PIN is ever logged.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class Pkcs11MasterKeyIntegrationTests {
    private final String keyLabel =
            "colloquy-kek-" + UUID.randomUUID().toString().substring(0, 8);
    private final String database = "hsm_" + UUID.randomUUID().toString().replace("-", "");

    @Autowired
    DatabaseEndpoint testRunDatabase;

    private SoftHsm hsm;
    private Path dataDir;
    private ConfigurableApplicationContext server;
    private TestApi api;

    @BeforeAll
    void startAServerWithItsMasterKeyInTheHsm() throws Exception {
        hsm = SoftHsm.get();
        dataDir = Path.of("target", "hsm-it-" + UUID.randomUUID()).toAbsolutePath();
        Files.createDirectories(dataDir);
        Path pinFile = dataDir.resolve("hsm.pin");
        Files.createFile(pinFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(pinFile, hsm.main.pin() + "\n");
        try (Connection c = TestDatabases.superuser(testRunDatabase);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database + " OWNER " + testRunDatabase.ownerUser());
            s.execute("REVOKE ALL ON DATABASE " + database + " FROM PUBLIC");
            s.execute("GRANT CONNECT ON DATABASE " + database + " TO " + testRunDatabase.appUser());
        }
        server = startWithHsm(
                dataDir,
                4,
                "--colloquy.crypto.pkcs11.slot=" + hsm.main.slot(),
                "--colloquy.crypto.pkcs11.pin-file=" + pinFile,
                "--colloquy.crypto.pkcs11.key-label=" + keyLabel);
        api = new TestApi(((WebServerApplicationContext) server).getWebServer().getPort());
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        deleteRecursively(dataDir);
        try (Connection c = TestDatabases.superuser(testRunDatabase);
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }

    /** The test run's PostgreSQL, this class's database. */
    private String databaseUrl() {
        return testRunDatabase.jdbcUrl().replaceAll("/[a-z_]+\\?.*$", "/" + database);
    }

    @Test
    void projectKeysAreWrappedInTheHsmAndOldDataReadsAfterTheMasterKeyRotates() throws Exception {
        TestProject project = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String dialogue = project.dialogue(ns);
        project.message(ns, dialogue, "sealed under a key the HSM wrapped");
        assertThat(kekIdsInTheDatabase()).containsExactly("pkcs11/" + keyLabel + "/1");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = command("keys", "rotate-master").run(List.of(), new PrintStream(out, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(printed).isZero();
        assertThat(printed)
                .contains("current master key: pkcs11/" + keyLabel + "/2")
                .contains("The old master key is kept at the HSM token")
                .contains(keyLabel + "/1");
        assertThat(kekIdsInTheDatabase()).containsExactly("pkcs11/" + keyLabel + "/2");
        assertThat(labelsOnTheToken()).contains(keyLabel + "/1", keyLabel + "/2");

        // a project key rotation drops the cached keys: the stored project key is unwrapped again, by the new HSM key
        assertThat(api.post(project.adminKey(), "/v1/project/encryption-key/rotate", null)
                        .status())
                .isEqualTo(200);
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + dialogue + "/messages")
                        .body())
                .contains("sealed under a key the HSM wrapped");
        TestProject later = TestProjects.aProject(api);
        later.message(ns, later.dialogue(ns), "made after the rotation");
        assertThat(api.get(later.adminKey(), "/v1/namespaces/" + ns + "/search?q=rotation")
                        .body())
                .contains("made after the rotation");
        assertThat(kekIdsInTheDatabase()).containsExactly("pkcs11/" + keyLabel + "/2");
    }

    @Test
    void theTokenRefusesToRevealTheMasterKey() throws Throwable {
        SoftHsm.KeyAttributes asked = SoftHsm.askTheToken(hsm.main, keyLabel + "/1");
        assertThat(asked.valueResult()).as("C_GetAttributeValue(CKA_VALUE)").isEqualTo(SoftHsm.CKR_ATTRIBUTE_SENSITIVE);
        assertThat(asked.sensitive()).isTrue();
        assertThat(asked.extractable()).isFalse();
        assertThat(asked.neverExtractable()).isTrue();
        try (TokenSession token = TokenSession.open(hsm.main)) {
            SecretKey key = (SecretKey) token.store().getKey(keyLabel + "/1", null);
            assertThat(key).isNotNull();
            assertThat(key.getEncoded()).as("the JDK gets no key bytes either").isNull();
        }
    }

    @Test
    void aWrongPinStopsTheStartWithAClearMessageAndThePinIsNeverLogged(CapturedOutput output) throws Exception {
        String wrongPin = "wrong-pin-" + UUID.randomUUID().toString().substring(0, 8);
        Path otherDataDir = Path.of("target", "hsm-it-" + UUID.randomUUID()).toAbsolutePath();
        try {
            assertThatThrownBy(() -> startWithHsm(
                            otherDataDir,
                            2,
                            "--colloquy.crypto.pkcs11.slot=" + hsm.spare.slot(),
                            "--colloquy.crypto.pkcs11.pin=" + wrongPin))
                    .satisfies(e -> {
                        assertThat(rootCauseChain(e))
                                .contains("refused the login: wrong PIN (CKR_PIN_INCORRECT)")
                                .contains("slot " + hsm.spare.slot())
                                .doesNotContain(wrongPin);
                    });
        } finally {
            deleteRecursively(otherDataDir);
        }
        assertThat(output.getAll()).doesNotContain(wrongPin).doesNotContain(hsm.main.pin());
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static String rootCauseChain(Throwable e) {
        StringBuilder s = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            s.append(t).append('\n');
        }
        return s.toString();
    }

    private CliCommand command(String... words) {
        return server.getBeansOfType(CliCommand.class).values().stream()
                .filter(c -> c.words().equals(List.of(words)))
                .findFirst()
                .orElseThrow();
    }

    private List<String> kekIdsInTheDatabase() throws Exception {
        String url = testRunDatabase.embedded().superuserJdbcUrl().replaceAll("/[a-z_]+$", "/" + database);
        try (Connection c = java.sql.DriverManager.getConnection(
                        url,
                        testRunDatabase.embedded().superuser(),
                        testRunDatabase.embedded().superuserPassword());
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT DISTINCT kek_id FROM colloquy.project_keys")) {
            List<String> ids = new ArrayList<>();
            while (r.next()) {
                ids.add(r.getString(1));
            }
            return ids;
        }
    }

    private List<String> labelsOnTheToken() throws Exception {
        try (TokenSession token = TokenSession.open(hsm.main)) {
            return Collections.list(token.store().aliases());
        }
    }

    /** A second, independent PKCS#11 provider on the token (what an operator's tool would see). */
    private record TokenSession(KeyStore store) implements AutoCloseable {
        static TokenSession open(SoftHsm.Token token) throws Exception {
            Provider p = Security.getProvider("SunPKCS11")
                    .configure("--name=colloquy-test\nlibrary=" + SoftHsm.LIBRARY + "\nslot=" + token.slot() + "\n");
            KeyStore store = KeyStore.getInstance("PKCS11", p);
            store.load(null, token.pin().toCharArray());
            return new TokenSession(store);
        }

        @Override
        public void close() {}
    }

    /** A server on the test run's database (a database of its own) with the PKCS#11 key provider and {@code hsm}'s settings. */
    private ConfigurableApplicationContext startWithHsm(Path dir, int poolSize, String... hsm) {
        List<String> args = new ArrayList<>(List.of(
                "--spring.profiles.active=test",
                "--colloquy.data-dir=" + dir,
                "--colloquy.operator-token=" + IntegrationTest.OPERATOR_TOKEN,
                "--colloquy.database.url=" + databaseUrl(),
                "--colloquy.database.sslmode=disable",
                "--colloquy.database.owner-password=" + testRunDatabase.ownerPassword(),
                "--colloquy.database.app-password=" + testRunDatabase.appPassword(),
                "--colloquy.database.pool-size=" + poolSize,
                "--colloquy.crypto.kek=pkcs11",
                "--colloquy.crypto.pkcs11.library=" + SoftHsm.LIBRARY,
                "--server.port=0",
                "--management.server.port=0"));
        args.addAll(List.of(hsm));
        return new SpringApplicationBuilder(ColloquyApplication.class).run(args.toArray(String[]::new));
    }
}
