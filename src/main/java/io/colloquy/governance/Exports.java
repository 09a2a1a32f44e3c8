package io.colloquy.governance;

import io.colloquy.audit.Action;
import io.colloquy.audit.AuditLog;
import io.colloquy.audit.EntityType;
import io.colloquy.crypto.ServerKeys;
import io.colloquy.dialogues.Dialogue;
import io.colloquy.dialogues.DialogueService;
import io.colloquy.dialogues.Message;
import io.colloquy.memories.Memory;
import io.colloquy.memories.MemoryService;
import io.colloquy.platform.Ids;
import io.colloquy.tenancy.Namespace;
import io.colloquy.tenancy.TenantTransactions;
import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.Page;
import io.colloquy.web.PageRequest;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.SecretKey;
import org.springframework.stereotype.Service;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * GDPR export: a link signed with HMAC-SHA256 over (project, namespace, expiry) under a server key,
 * valid 10 minutes, usable without an API key; it streams every dialogue (with its messages) and
 * memory of the namespace, decrypted, page by page, so memory use stays flat whatever the size.
 */
@Service
public class Exports {
    static final Duration VALIDITY = Duration.ofMinutes(10);
    private static final int PAGE = 200;
    private final SecretKey urlKey;
    private final TenantTransactions tenants;
    private final DialogueService dialogues;
    private final MemoryService memories;
    private final JsonMapper json;
    private final AuditLog audit;
    private final Clock clock;

    Exports(
            ServerKeys keys,
            TenantTransactions tenants,
            DialogueService dialogues,
            MemoryService memories,
            JsonMapper json,
            AuditLog audit,
            Clock clock) {
        this.urlKey = keys.derive("export-urls/v1");
        this.tenants = tenants;
        this.dialogues = dialogues;
        this.memories = memories;
        this.json = json;
        this.audit = audit;
        this.clock = clock;
    }

    /** A signed token for the export of one namespace, and when it stops working. */
    public record Link(String token, Instant expiresAt) {}

    record Target(UUID project, Namespace namespace) {}

    /** Makes a link (and records it in the audit log, in the caller's transaction). */
    public Link create(UUID project, Namespace ns) {
        Link link = create(project, ns, clock.instant().plus(VALIDITY));
        audit.record(AuditLog.Change.of(
                project,
                ns.name(),
                EntityType.NAMESPACE,
                ns.name(),
                Action.EXPORT_CREATED,
                java.util.Map.of("expires_at", link.expiresAt().toString())));
        return link;
    }

    Link create(UUID project, Namespace ns, Instant expires) {
        String payload = Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString((Ids.hex(project) + "\n" + ns.name() + "\n" + expires.getEpochSecond())
                        .getBytes(StandardCharsets.UTF_8));
        return new Link(payload + "." + signature(payload), Instant.ofEpochSecond(expires.getEpochSecond()));
    }

    /** The namespace a token opens, if its signature is right and it has not expired; 403 otherwise. */
    Target verify(String token) {
        return parse(token)
                .orElseThrow(() -> new ApiException(ErrorCode.FORBIDDEN, "The export link is invalid or has expired."));
    }

    private Optional<Target> parse(String token) {
        int dot = token.lastIndexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        String payload = token.substring(0, dot);
        byte[] expected = signature(payload).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, token.substring(dot + 1).getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        String[] parts = new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8).split("\n", -1);
        if (parts.length != 3 || Instant.ofEpochSecond(Long.parseLong(parts[2])).isBefore(clock.instant())) {
            return Optional.empty();
        }
        return Ids.fromHex(parts[0]).map(p -> new Target(p, new Namespace(parts[1])));
    }

    /** Streams the namespace as one JSON document to {@code out}, in one consistent tenant transaction. */
    void write(Target target, OutputStream out) {
        tenants.inNamespace(target.project(), target.namespace(), () -> {
            audit.record(AuditLog.Change.of(
                    target.project(),
                    target.namespace().name(),
                    EntityType.NAMESPACE,
                    target.namespace().name(),
                    Action.EXPORT_USED,
                    null));
            try (JsonGenerator g = json.createGenerator(out)) {
                g.writeStartObject();
                g.writeStringProperty("project_id", Ids.format("prj", target.project()));
                g.writeStringProperty("namespace", target.namespace().name());
                g.writeStringProperty("exported_at", clock.instant().toString());
                g.writeArrayPropertyStart("dialogues");
                writeDialogues(g, target);
                g.writeEndArray();
                g.writeArrayPropertyStart("memories");
                writeMemories(g, target);
                g.writeEndArray();
                g.writeEndObject();
            }
            return null;
        });
    }

    private void writeDialogues(JsonGenerator g, Target t) {
        String cursor = null;
        do {
            Page<Dialogue> page =
                    dialogues.list(t.project(), t.namespace(), null, PageRequest.of(String.valueOf(PAGE), cursor));
            for (Dialogue d : page.data()) {
                g.writeStartObject();
                g.writeStringProperty("id", Ids.format("dlg", d.id()));
                g.writeStringProperty("title", d.title());
                g.writePOJOProperty("metadata", d.metadata().value());
                g.writePOJOProperty("tags", d.tags());
                g.writeBooleanProperty("legal_hold", d.legalHold());
                g.writeStringProperty("created_at", d.createdAt().toString());
                g.writeStringProperty("updated_at", d.updatedAt().toString());
                g.writeArrayPropertyStart("messages");
                writeMessages(g, t, d);
                g.writeEndArray();
                g.writeEndObject();
                g.flush();
            }
            cursor = page.nextCursor();
        } while (cursor != null);
    }

    private void writeMessages(JsonGenerator g, Target t, Dialogue d) {
        String cursor = null;
        do {
            Page<Message> page = dialogues.messages(
                    t.project(),
                    t.namespace(),
                    Ids.format("dlg", d.id()),
                    0,
                    PageRequest.of(String.valueOf(PAGE), cursor));
            for (Message m : page.data()) {
                g.writeStartObject();
                g.writeStringProperty("id", Ids.format("msg", m.id()));
                g.writeNumberProperty("seq", m.seq());
                g.writeStringProperty("role", m.role().wireName());
                g.writeStringProperty("content", m.content());
                g.writePOJOProperty("metadata", m.metadata().value());
                g.writeStringProperty("created_at", m.createdAt().toString());
                g.writeEndObject();
            }
            cursor = page.nextCursor();
        } while (cursor != null);
    }

    private void writeMemories(JsonGenerator g, Target t) {
        String cursor = null;
        do {
            Page<Memory> page =
                    memories.list(t.project(), t.namespace(), null, PageRequest.of(String.valueOf(PAGE), cursor));
            for (Memory m : page.data()) {
                g.writeStartObject();
                g.writeStringProperty("id", Ids.format("mem", m.id()));
                g.writeStringProperty("kind", m.kind().wireName());
                g.writeStringProperty("content", m.content());
                g.writePOJOProperty("metadata", m.metadata().value());
                g.writeStringProperty(
                        "expires_at",
                        m.expiresAt() == null ? null : m.expiresAt().toString());
                g.writeStringProperty("created_at", m.createdAt().toString());
                g.writeEndObject();
            }
            cursor = page.nextCursor();
            g.flush();
        } while (cursor != null);
    }

    private String signature(String payload) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                        ServerKeys.hmac(urlKey, ("colloquy-export/v1\n" + payload).getBytes(StandardCharsets.UTF_8)));
    }
}
