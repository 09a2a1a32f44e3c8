package io.colloquy.crypto;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestConcurrency;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.platform.CliCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;

/**
 * Key changes racing each other and the traffic they protect: they run one after the other (in the
 * database), and afterwards every value written is read back.
 */
@IntegrationTest
class KeyChangeRaceIntegrationTests {
    private static final String KEY = "/v1/project/encryption-key";
    private static final SecureRandom RANDOM = new SecureRandom();

    @LocalServerPort
    int port;

    @Autowired
    ApplicationContext context;

    TestApi api;
    TestProject project;
    String ns;
    String dialogue;
    /** Message id → content of every message the server answered 201 for. */
    final Map<String, String> written = new ConcurrentHashMap<>();

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
        project = TestProjects.aProject(api);
        ns = TestProjects.aNamespace();
        dialogue = project.dialogue(ns);
        for (int i = 0; i < 5; i++) {
            write("before " + i);
        }
        project.memory(TestProjects.aNamespace(), "a memory in another namespace");
    }

    @Test
    void tenParallelRotationsEachMakeTheirOwnVersionAndLoseNothing() throws Exception {
        List<TestApi.Response> rotations =
                TestConcurrency.inParallel(10, i -> api.post(project.adminKey(), KEY + "/rotate", null));
        assertThat(rotations)
                .allSatisfy(r -> assertThat(r.status()).as(r.body()).isEqualTo(200));
        Set<Integer> versions = new HashSet<>();
        rotations.forEach(r -> versions.add(r.json().get("version").asInt()));
        assertThat(versions).as("one new version each").hasSize(10);
        assertThat(api.get(project.adminKey(), KEY).json().get("version").asInt())
                .isEqualTo(11);
        assertEverythingReadsBack();
        assertThat(api.post(project.adminKey(), KEY + "/rotate", null).status()).isEqualTo(200);
        write("after the rotations");
        assertEverythingReadsBack();
    }

    @Test
    void tenParallelCustomerKeysLeaveExactlyOneInForceAndEverythingReadable() throws Exception {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            keys.add(aCustomerKey());
        }
        List<TestApi.Response> supplied = TestConcurrency.inParallel(10, i -> supply(keys.get(i)));
        assertThat(supplied).allSatisfy(r -> assertThat(r.status()).as(r.body()).isEqualTo(200));
        assertEverythingReadsBack();
        assertThat(api.delete(project.adminKey(), KEY).status()).isEqualTo(200);
        assertThat(read().status()).isEqualTo(409);
        List<Integer> tried = new ArrayList<>();
        for (String k : keys) {
            tried.add(supply(k).status());
            if (tried.getLast() == 200) {
                break;
            }
        }
        assertThat(tried.getLast()).as("the key in force restores").isEqualTo(200);
        // empty when the first key tried is the one in force (one time in ten): containsOnly would then fail
        assertThat(tried.subList(0, tried.size() - 1)).as("no other key does").allSatisfy(status -> assertThat(status)
                .isEqualTo(400));
        assertEverythingReadsBack();
    }

    @Test
    void rotationsCustomerKeysRevocationsAndAMasterRotationRacingReadsAndWritesLoseNothing() throws Exception {
        String customerKey = aCustomerKey();
        assertThat(supply(customerKey).status()).isEqualTo(200);
        List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
        TestConcurrency.inParallel(10, i -> {
            for (int round = 0; round < 3; round++) {
                TestApi.Response r =
                        switch (i) {
                            case 0, 1 -> api.post(project.adminKey(), KEY + "/rotate", null);
                            case 2, 3 -> supply(customerKey);
                            case 4 -> api.delete(project.adminKey(), KEY);
                            case 5 -> round == 0 ? rotateMaster() : read();
                            case 6, 7 -> write("race " + i + "." + round);
                            default -> read();
                        };
                assertThat(r.status()).as("call %d: %s", i, r.body()).isIn(200, 201, 409);
                statuses.add(r.status());
            }
            return null;
        });
        assertThat(statuses).isNotEmpty();
        assertThat(supply(customerKey).status())
                .as("the same key restores whatever the race left")
                .isEqualTo(200);
        assertEverythingReadsBack();
        assertThat(api.post(project.adminKey(), KEY + "/rotate", null).status()).isEqualTo(200);
        assertThat(supply(aCustomerKey()).status()).isEqualTo(200);
        write("after the race");
        assertEverythingReadsBack();
    }

    @Test
    void noReadSucceedsAfterARevocationAnswered() throws Exception {
        String customerKey = aCustomerKey();
        for (int round = 0; round < 10; round++) {
            assertThat(supply(customerKey).status()).isEqualTo(200);
            AtomicBoolean revoked = new AtomicBoolean();
            List<Integer> afterRevocation = Collections.synchronizedList(new ArrayList<>());
            TestConcurrency.inParallel(6, i -> {
                if (i == 0) {
                    assertThat(api.delete(project.adminKey(), KEY).status()).isEqualTo(200);
                    revoked.set(true);
                    return null;
                }
                // read until a few reads started after the revocation answered (however slow the machine)
                long deadline =
                        System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
                int after = 0;
                while (after < 3 && System.nanoTime() - deadline < 0) {
                    boolean startedAfter = revoked.get();
                    int status = api.get(
                                    project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + dialogue + "/messages")
                            .status();
                    if (startedAfter) {
                        afterRevocation.add(status);
                        after++;
                    }
                }
                return null;
            });
            assertThat(read().status()).isEqualTo(409);
            assertThat(afterRevocation)
                    .as("reads sent after the revocation answered")
                    .containsOnly(409);
        }
    }

    private void assertEverythingReadsBack() {
        TestApi.Response page =
                api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + dialogue + "/messages?limit=200");
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        Map<String, String> read = new java.util.HashMap<>();
        page.json()
                .get("data")
                .forEach(m -> read.put(m.get("id").asString(), m.get("content").asString()));
        assertThat(read).containsAllEntriesOf(written);
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + dialogue)
                        .status())
                .isEqualTo(200);
    }

    private TestApi.Response write(String content) {
        TestApi.Response r = api.post(
                project.adminKey(),
                "/v1/namespaces/" + ns + "/dialogues/" + dialogue + "/messages",
                json("role", "user", "content", content));
        if (r.status() == 201) {
            written.put(r.text("/id"), content);
        }
        return r;
    }

    private TestApi.Response read() {
        return api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + dialogue + "/messages");
    }

    private TestApi.Response supply(String key) {
        return api.send("PUT", KEY, project.adminKey(), json("key", key), Map.of("Content-Type", "application/json"));
    }

    /** {@code ./colloquy keys rotate-master}, run while the server serves; answers like a 200 when it succeeds. */
    private TestApi.Response rotateMaster() {
        CliCommand command = context.getBeansOfType(CliCommand.class).values().stream()
                .filter(c -> c.words().equals(List.of("keys", "rotate-master")))
                .findFirst()
                .orElseThrow();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = command.run(List.of(), new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(exit).as(out.toString(StandardCharsets.UTF_8)).isZero();
        return api.get(project.adminKey(), KEY);
    }

    private static String aCustomerKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
