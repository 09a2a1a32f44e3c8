package io.colloquy.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against the real server (started once per JVM by {@link TestServer}), over real HTTP and WebSocket. */
class ColloquyClientIntegrationTests {
    final TestServer server = TestServer.shared();
    TestServer.TestProject project;
    ColloquyClient client;
    NamespaceClient ns;

    @BeforeEach
    void setUp() {
        project = server.newProject();
        client = server.client(project);
        ns = client.namespace("ns-" + UUID.randomUUID().toString().substring(0, 8));
    }

    private ColloquyClient through(CuttingProxy proxy) {
        return ColloquyClient.builder()
                .url(proxy.url())
                .apiKey(project.adminKey())
                .initialBackoff(Duration.ofMillis(50))
                .build();
    }

    @Test
    void anotherProjectsKeySeesNothingOfThisProject() {
        Dialogue mine =
                ns.dialogueByKey("conversation-1", NewDialogue.titled("mine")).dialogue();
        ns.append(mine.id(), NewMessage.user("secret of A"));
        ns.remember(NewMemory.longTerm("A's memory"));

        ColloquyClient other = server.client(server.newProject());
        NamespaceClient same = other.namespace(ns.name());
        assertThat(same.findDialogueByKey("conversation-1")).isEmpty();
        assertThatThrownBy(() -> same.dialogue(mine.id()))
                .isInstanceOf(ColloquyException.NotFound.class)
                .satisfies(e -> assertThat(((ColloquyException) e).requestId()).startsWith("req_"));
        assertThatThrownBy(() -> same.messages(mine.id()).toList()).isInstanceOf(ColloquyException.NotFound.class);
        assertThat(same.dialogues()).isEmpty();
        assertThat(same.memories(null)).isEmpty();
        assertThat(same.search("secret", "messages,memories", 10)).isEmpty();
        assertThat(other.audit().events(0).map(AuditEvent::projectId).distinct())
                .containsExactly(other.project().id());

        DialogueByKey theirs = same.dialogueByKey("conversation-1", null);
        assertThat(theirs.created()).isTrue();
        assertThat(theirs.dialogue().id()).isNotEqualTo(mine.id());
    }

    @Test
    void aPostWhoseAnswerWasLostIsRetriedWithItsIdempotencyKeyAndDoneOnce() throws Exception {
        Dialogue dialogue = ns.createDialogue(NewDialogue.titled("retries"));
        try (CuttingProxy proxy = new CuttingProxy(server.port())) {
            NamespaceClient flaky = through(proxy).namespace(ns.name());
            proxy.loseNextAnswers(1);
            Dialogue created = flaky.createDialogue(new NewDialogue(null, "once", Map.of("n", 1), List.of("t")));
            proxy.loseNextAnswers(1);
            List<Message> appended =
                    flaky.append(dialogue.id(), List.of(NewMessage.user("one"), NewMessage.assistant("two")));

            assertThat(proxy.lostAnswers()).isEqualTo(2);
            assertThat(ns.dialogues().filter(d -> "once".equals(d.title())).toList())
                    .singleElement()
                    .isEqualTo(created);
            assertThat(ns.messages(dialogue.id()).toList()).isEqualTo(appended);
            assertThat(appended).extracting(Message::seq).containsExactly(1L, 2L);
        }
    }

    @Test
    void retriesA503AfterItsRetryAfterButNeverA400() throws Exception {
        try (CuttingProxy proxy = new CuttingProxy(server.port())) {
            NamespaceClient flaky = through(proxy).namespace(ns.name());
            proxy.answerNext(1, 503, "Retry-After: 1\r\n");
            long start = System.nanoTime();
            Dialogue d = flaky.createDialogue(NewDialogue.titled("after 503"));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
            assertThat(ns.dialogue(d.id()).title()).isEqualTo("after 503");

            proxy.answerNext(1, 400, ""); // a retry would reach the server and succeed
            assertThatThrownBy(() -> flaky.dialogue(d.id()))
                    .isInstanceOfSatisfying(ColloquyException.Validation.class, e -> assertThat(e.requestId())
                            .isEqualTo("req_proxy"));
        }
    }

    @Test
    void errorsAreTypedWithCodeStatusRequestIdAndFields() {
        ns.createDialogue(NewDialogue.keyed("taken"));
        assertThatThrownBy(() -> ns.createDialogue(NewDialogue.keyed("taken")))
                .isInstanceOfSatisfying(ColloquyException.Conflict.class, e -> {
                    assertThat(e.code()).isEqualTo("ALREADY_EXISTS");
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.type()).isEqualTo("conflict");
                });
        assertThatThrownBy(() -> ns.createDialogue(NewDialogue.keyed("no spaces")))
                .isInstanceOfSatisfying(ColloquyException.Validation.class, e -> assertThat(e.fields())
                        .extracting(ColloquyException.FieldProblem::field)
                        .containsExactly("key"));
        ColloquyClient wrongKey = ColloquyClient.builder()
                .url(server.url())
                .apiKey("cq_key_00000000000000000000000000000000_nope")
                .build();
        assertThatThrownBy(() -> wrongKey.project()).isInstanceOf(ColloquyException.Unauthenticated.class);
        ApiKey reader = client.createKey("reader", List.of("read"));
        ColloquyClient readOnly =
                ColloquyClient.builder().url(server.url()).apiKey(reader.key()).build();
        assertThatThrownBy(() -> readOnly.namespace(ns.name()).createDialogue(NewDialogue.titled("x")))
                .isInstanceOf(ColloquyException.Forbidden.class);
        assertThat(client.keys().map(ApiKey::id)).contains(reader.id());
    }

    @Test
    void listsEveryItemOnceAcrossPagesLazily() {
        List<String> ids = IntStream.range(0, 7)
                .mapToObj(i -> ns.createDialogue(NewDialogue.titled("d" + i)).id())
                .collect(Collectors.toCollection(ArrayList::new));
        java.util.Collections.reverse(ids); // newest first
        assertThat(ns.dialogues(null, 3).map(Dialogue::id)).containsExactlyElementsOf(ids);
        assertThat(ns.dialogues(null, 3).limit(2).map(Dialogue::id)).containsExactlyElementsOf(ids.subList(0, 2));

        String d = ids.get(0);
        for (int batch = 0; batch < 3; batch++) {
            int first = batch * 100;
            ns.append(
                    d,
                    IntStream.range(first, first + 100)
                            .mapToObj(i -> NewMessage.user("m" + i))
                            .toList());
        }
        List<Message> all = ns.messages(d, 0, 64).toList();
        assertThat(all)
                .extracting(Message::seq)
                .containsExactlyElementsOf(
                        IntStream.rangeClosed(1, 300).mapToObj(Long::valueOf).toList());
        assertThat(ns.messages(d, 290, 200).map(Message::content))
                .containsExactly("m290", "m291", "m292", "m293", "m294", "m295", "m296", "m297", "m298", "m299");
    }

    @Test
    void theAuditStreamResumesAfterADroppedConnectionWithoutGapOrDuplicate() throws Exception {
        Dialogue d = ns.createDialogue(NewDialogue.titled("streamed"));
        List<AuditEvent> received = new CopyOnWriteArrayList<>();
        List<Long> reconnects = new CopyOnWriteArrayList<>();
        try (CuttingProxy proxy = new CuttingProxy(server.port());
                AuditStream stream = through(proxy).audit().stream(0, new AuditStream.Listener() {
                    @Override
                    public void onEvent(AuditEvent event) {
                        received.add(event);
                    }

                    @Override
                    public void onReconnecting(long afterSeq, Throwable cause) {
                        reconnects.add(afterSeq);
                    }
                })) {
            // Sequencing is asynchronous, so the checkpoint's tree size can lag behind what was written: wait for
            // the events of the very messages appended, not for a tree size read at some moment.
            String before = ns.append(d.id(), NewMessage.user("before the cut")).id();
            await(() -> entityIds(received).contains(before), "the events before the cut");
            proxy.cutAll();
            List<String> after = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                after.add(
                        ns.append(d.id(), NewMessage.user("after the cut " + i)).id());
            }
            await(() -> entityIds(received).containsAll(after), "the events after the cut", Duration.ofSeconds(90));
            assertThat(reconnects).isNotEmpty();
            long lastAppended = received.stream()
                    .filter(e -> after.contains(e.entityId()))
                    .mapToLong(AuditEvent::seq)
                    .max()
                    .orElseThrow();
            await(() -> stream.lastSeq() >= lastAppended, "the stream to record where it is"); // set after onEvent
        }
        assertThat(received)
                .extracting(AuditEvent::seq)
                .containsExactlyElementsOf(LongStreamRange.of(1, received.size()));
    }

    private static Set<String> entityIds(List<AuditEvent> events) {
        return events.stream().map(AuditEvent::entityId).collect(Collectors.toSet());
    }

    @Test
    void verifiesCheckpointsAndProofsAndRefusesTamperedOnes() throws Exception {
        Dialogue d = ns.createDialogue(NewDialogue.titled("audited"));
        ns.append(d.id(), NewMessage.user("proven"));
        await(() -> client.audit().events(0).count() >= 4, "the events to be sequenced");
        AuditLog audit = client.audit();
        List<AuditEvent> events = audit.events(0).toList();
        AuditEvent message = events.get(events.size() - 1);

        Checkpoint first = audit.verifyInclusion(message);
        ns.append(d.id(), NewMessage.user("later"));
        await(() -> client.audit().checkpoint().treeSize() > first.treeSize(), "a larger tree");
        Checkpoint second = audit.checkpoint(); // consistent with the first: verified with a consistency proof
        assertThat(second.treeSize()).isGreaterThan(first.treeSize());
        assertThat(audit.lastVerifiedCheckpoint()).isEqualTo(second);

        InclusionProof proof = audit.inclusionProof(message.seq(), second.treeSize());
        AuditLog.verify(proof, message.leafHash(), second);
        List<String> tampered = new ArrayList<>(proof.proof());
        tampered.set(0, flip(tampered.get(0)));
        InclusionProof bad = new InclusionProof(
                proof.seq(), proof.leafIndex(), proof.treeSize(), proof.leafHash(), proof.rootHash(), tampered);
        assertThatThrownBy(() -> AuditLog.verify(bad, message.leafHash(), second))
                .isInstanceOf(ColloquyException.AuditVerificationFailed.class);
        assertThatThrownBy(() -> AuditLog.verify(proof, flip(message.leafHash()), second))
                .isInstanceOf(ColloquyException.AuditVerificationFailed.class);

        ObjectNode altered = ((ObjectNode) message.json()).deepCopy();
        altered.put("entity_id", "msg_00000000000000000000000000000000");
        AuditEvent forgedEvent = AuditEvent.of(altered);
        assertThatThrownBy(() -> audit.verifyInclusion(forgedEvent))
                .isInstanceOf(ColloquyException.AuditVerificationFailed.class);

        ConsistencyProof consistency = audit.consistencyProof(first.treeSize(), second.treeSize());
        List<byte[]> path = new ArrayList<>(consistency.proof().stream()
                .map(h -> HexFormat.of().parseHex(h))
                .toList());
        assertThat(Merkle.verifyConsistency(
                        first.treeSize(),
                        second.treeSize(),
                        path,
                        HexFormat.of().parseHex(first.rootHash()),
                        HexFormat.of().parseHex(second.rootHash())))
                .isTrue();
        path.set(
                path.size() - 1,
                HexFormat.of().parseHex(flip(consistency.proof().get(path.size() - 1))));
        assertThat(Merkle.verifyConsistency(
                        first.treeSize(),
                        second.treeSize(),
                        path,
                        HexFormat.of().parseHex(first.rootHash()),
                        HexFormat.of().parseHex(second.rootHash())))
                .isFalse();
    }

    @Test
    void refusesAServerWhoseNewCheckpointDoesNotExtendTheLastVerifiedOne() throws Exception {
        Dialogue d = ns.createDialogue(NewDialogue.titled("history"));
        await(() -> client.audit().events(0).count() >= 3, "the events to be sequenced");
        Checkpoint real = client.audit().checkpoint();

        // the server signed another history of the same size earlier (it holds the key, so it can)
        ColloquyClient remembering = server.client(project);
        remembering.audit().trust(forge(real, real.treeSize(), new byte[32]));
        ns.append(d.id(), NewMessage.user("grows"));
        await(() -> client.audit().checkpoint().treeSize() > real.treeSize(), "a larger tree");
        assertThatThrownBy(() -> remembering.audit().checkpoint())
                .isInstanceOf(ColloquyException.AuditVerificationFailed.class)
                .hasMessageContaining("rewrote history");

        ColloquyClient sawMore = server.client(project);
        sawMore.audit().trust(forge(real, real.treeSize() + 100, new byte[32]));
        assertThatThrownBy(() -> sawMore.audit().checkpoint())
                .isInstanceOf(ColloquyException.AuditVerificationFailed.class)
                .hasMessageContaining("dropped history");

        Checkpoint unsigned = new Checkpoint(
                real.treeSize(),
                real.rootHash(),
                real.timestamp(),
                real.keyId(),
                real.note(),
                Base64.getEncoder().encodeToString(new byte[64]),
                real.origin(),
                real.signedNote());
        assertThatThrownBy(() -> server.client(project).audit().trust(unsigned))
                .isInstanceOf(ColloquyException.AuditVerificationFailed.class);
    }

    @Test
    void downloadsTheNamespaceExport(@TempDir Path dir) throws Exception {
        Dialogue d =
                ns.dialogueByKey("exported", NewDialogue.titled("export me")).dialogue();
        ns.append(d.id(), NewMessage.user("exported content"));
        Path file = ns.exportTo(dir.resolve("export.json"));
        JsonNode export = new ObjectMapper().readTree(Files.readString(file, StandardCharsets.UTF_8));
        assertThat(export.at("/dialogues/0/key").asText()).isEqualTo("exported");
        assertThat(export.at("/dialogues/0/messages/0/content").asText()).isEqualTo("exported content");
        try (var listing = Files.list(dir)) {
            assertThat(listing).containsExactly(file);
        }
    }

    /** A checkpoint of {@code size} and {@code root} signed with the test server's own audit key. */
    private static Checkpoint forge(Checkpoint real, long size, byte[] root) throws Exception {
        String note = real.origin() + "\n" + size + "\n" + Base64.getEncoder().encodeToString(root) + "\ntimestamp "
                + real.timestamp() + "\n";
        byte[] der = HexFormat.of().parseHex("302e020100300506032b657004220420");
        byte[] pkcs8 = new byte[der.length + 32];
        System.arraycopy(der, 0, pkcs8, 0, der.length);
        System.arraycopy(TestServer.AUDIT_SEED, 0, pkcs8, der.length, 32);
        PrivateKey key = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        Signature ed = Signature.getInstance("Ed25519");
        ed.initSign(key);
        ed.update(note.getBytes(StandardCharsets.UTF_8));
        String signature = Base64.getEncoder().encodeToString(ed.sign());
        return new Checkpoint(
                size,
                HexFormat.of().formatHex(root),
                real.timestamp(),
                real.keyId(),
                note,
                signature,
                real.origin(),
                null);
    }

    private static String flip(String hex) {
        char c = hex.charAt(0);
        return (c == '0' ? '1' : '0') + hex.substring(1);
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        await(condition, what, Duration.ofSeconds(30));
    }

    /** Polls until the condition holds; {@code timeout} above the stream's silence limit where a reconnect may wait. */
    static void await(BooleanSupplier condition, String what, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    private static final class LongStreamRange {
        static List<Long> of(long from, long to) {
            List<Long> out = new ArrayList<>();
            for (long i = from; i <= to; i++) {
                out.add(i);
            }
            return out;
        }
    }
}
