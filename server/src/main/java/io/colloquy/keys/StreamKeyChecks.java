package io.colloquy.keys;

import io.colloquy.access.IpAccess;
import io.colloquy.audit.AuditContext;
import io.colloquy.audit.StreamCredentials;
import io.colloquy.platform.Ids;
import jakarta.servlet.http.HttpServletRequest;
import java.net.InetAddress;
import java.time.Clock;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Re-checks the key behind a live audit stream with the same lookup a request makes: the key must still
 * exist (revoking a key or deleting its project removes it), be unexpired, be admin and allow the
 * address the stream was opened from (the key's and the project's allowlists, as they are now).
 */
@Component
class StreamKeyChecks implements StreamCredentials {
    private final ApiKeyRepository keys;
    private final IpAccess access;
    private final Clock clock;

    StreamKeyChecks(ApiKeyRepository keys, IpAccess access, Clock clock) {
        this.keys = keys;
        this.access = access;
        this.clock = clock;
    }

    @Override
    public Credential current(HttpServletRequest request) {
        AuditContext context = AuditContext.current()
                .orElseThrow(() -> new IllegalStateException("No request context for this stream"));
        UUID keyId = Ids.parse("key", context.actor().id())
                .orElseThrow(() -> new IllegalStateException("The audit stream is opened by API keys only"));
        InetAddress client = access.clientAddress(request);
        return new KeyCredential(context.projectId(), keyId, client);
    }

    private final class KeyCredential implements Credential {
        private final UUID projectId;
        private final UUID keyId;
        private final InetAddress client;

        KeyCredential(UUID projectId, UUID keyId, InetAddress client) {
            this.projectId = projectId;
            this.keyId = keyId;
            this.client = client;
        }

        @Override
        public UUID keyId() {
            return keyId;
        }

        @Override
        public boolean stillValid() {
            return keys.findForAuthentication(keyId)
                    .filter(c -> c.projectId().equals(projectId))
                    .filter(c -> c.expiresAt() == null || c.expiresAt().isAfter(clock.instant()))
                    .filter(c -> Capability.effective(c.capabilities()).contains(Capability.ADMIN))
                    .filter(c -> access.allows(client, c.ipAllowlist(), c.projectIpAllowlist()))
                    .isPresent();
        }
    }
}
