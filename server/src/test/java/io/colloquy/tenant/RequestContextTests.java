package io.colloquy.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colloquy.audit.AuditActor;
import io.colloquy.audit.AuditContext;
import io.colloquy.keys.Caller;
import io.colloquy.keys.Capability;
import io.colloquy.web.NotFound;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** One request context, bound once: what the audit log, the quota check and the controllers read is that record. */
class RequestContextTests {
    private final UUID project = UUID.randomUUID();
    private final UUID keyId = UUID.randomUUID();
    private final Caller.Key key = new Caller.Key(project, keyId, Set.of(Capability.WRITE), "pro");

    @Test
    void theAuditLogReadsTheVeryContextTheRequestBound() {
        RequestContext context = RequestContext.ofKey(key, new Namespace("a"), "pro", "idem-1", "req_1");

        AuditContext seen = context.call(() -> AuditContext.current().orElseThrow());

        assertThat(seen).isSameAs(context);
        assertThat(seen.actor()).isEqualTo(AuditActor.apiKey(keyId));
        assertThat(seen.idempotencyKey()).isEqualTo("idem-1");
        assertThat(AuditContext.current()).isEmpty();
        assertThat(RequestContext.current()).isEmpty();
    }

    @Test
    void aKeyContextCarriesTheImpliedCapabilitiesThePlanAndTheParsedNamespace() {
        RequestContext context = RequestContext.ofKey(key, new Namespace("a"), "pro", null, "req_1");

        assertThat(context.can(Capability.READ)).isTrue();
        assertThat(context.can(Capability.ADMIN)).isFalse();
        assertThat(context.plan()).isEqualTo("pro");
        assertThat(context.tenant()).isEqualTo(new Tenant(project, new Namespace("a")));
        assertThat(context.tenantNamespace()).isEqualTo("a");
    }

    @Test
    void aProjectWideContextRunsInEveryNamespaceAndHasNoTenantNamespace() {
        RequestContext context = RequestContext.ofKey(key, null, "pro", null, "req_1");

        assertThat(context.tenantNamespace()).isEqualTo(Namespace.ALL);
        assertThatThrownBy(context::tenant).isInstanceOf(NotFound.class);
    }

    @Test
    void anOperatorOrCommandContextIsNotAKey() {
        RequestContext operator = RequestContext.ofOperator(project, null, "req_1");

        assertThat(operator.actor()).isEqualTo(AuditActor.system("operator"));
        assertThatThrownBy(operator::key).isInstanceOf(IllegalStateException.class);
        assertThat(RequestContext.command(project, AuditActor.system("cli"))
                        .actor()
                        .id())
                .isEqualTo("cli");
    }
}
