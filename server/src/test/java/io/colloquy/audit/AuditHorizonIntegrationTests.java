package io.colloquy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.tenant.TenantTransactions;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** The sequencer's horizon is per project: an open transaction holds back its own project's log only. */
@IntegrationTest
class AuditHorizonIntegrationTests {
    @LocalServerPort
    int port;

    @Autowired
    TenantTransactions tenants;

    @Autowired
    AuditLog audit;

    @Test
    void anOpenTransactionOfOneProjectHoldsBackOnlyItsOwnLog() throws Exception {
        TestApi api = new TestApi(port);
        TestProject holding = TestProjects.aProject(api);
        TestProject other = TestProjects.aProject(api);
        UUID held = TestProjects.uuid(holding.id());
        CountDownLatch recorded = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread transaction = Thread.ofVirtual()
                .start(() -> tenants.inProject(held, () -> {
                    audit.record(
                            AuditLog.Change.of(held, null, EntityType.PROJECT, holding.id(), Action.UPDATED, null));
                    recorded.countDown();
                    try {
                        return release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }));
        try {
            assertThat(recorded.await(10, TimeUnit.SECONDS)).isTrue();
            String ns = TestProjects.aNamespace();
            for (int i = 0; i < 3; i++) {
                long written = System.nanoTime();
                String id = other.dialogue(ns);
                while (!logged(api, other, id)) {
                    assertThat(Duration.ofNanos(System.nanoTime() - written))
                            .as("another project's event readable while a transaction stays open")
                            .isLessThan(Duration.ofSeconds(1));
                    TestAudit.sleep(20);
                }
            }
        } finally {
            release.countDown();
            transaction.join();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!logged(api, holding, "project", holding.id())) {
            assertThat(System.nanoTime()).as("the held event, once committed").isLessThan(deadline);
            TestAudit.sleep(20);
        }
    }

    private static boolean logged(TestApi api, TestProject project, String dialogueId) {
        return logged(api, project, "dialogue", dialogueId);
    }

    private static boolean logged(TestApi api, TestProject project, String entityType, String entityId) {
        for (JsonNode e : TestAudit.all(api, project.adminKey(), "&entity_type=" + entityType)) {
            if (entityId.equals(e.get("entity_id").asString())) {
                return true;
            }
        }
        return false;
    }
}
