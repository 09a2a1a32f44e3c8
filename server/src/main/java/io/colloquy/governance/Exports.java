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
import io.colloquy.tenant.Namespace;
import io.colloquy.tenant.TenantTransactions;
import io.colloquy.web.NotFound;
import io.colloquy.web.Page;
import io.colloquy.web.PageRequest;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import javax.crypto.SecretKey;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * GDPR export: a link signed with HMAC-SHA256 over (project, namespace, expiry, the admin key that made
 * it) under a server key, valid 10 minutes, usable without an API key but only while that key stands
 * (not revoked, not expired) and from an address its allowlists admit. It streams every dialogue (with
 * its messages) and memory of the namespace, decrypted, a few pages at a time: each batch is read in its
 * own short tenant transaction and written to the client after that transaction has ended, so a slow
 * reader never holds a transaction (nor a pooled connection) open, and memory use stays flat.
 */
@Service
public class Exports {
    static final Duration VALIDITY = Duration.ofMinutes(10);
    /** A transaction reads pages until it holds this many entities or characters of content. */
    private static final int BATCH = 1000;

    private static final long BATCH_CHARS = 1_000_000;
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

    /** What a link opens, and the admin key that made it (whose standing the link depends on). */
    record Target(UUID project, Namespace namespace, UUID key) {}

    /** Makes a link for {@code key} (and records it in the audit log, in the caller's transaction). */
    public Link create(UUID project, Namespace ns, UUID key) {
        Link link = create(project, ns, key, clock.instant().plus(VALIDITY));
        audit.record(AuditLog.Change.of(
                project,
                ns.name(),
                EntityType.NAMESPACE,
                ns.name(),
                Action.EXPORT_CREATED,
                java.util.Map.of("expires_at", link.expiresAt().toString())));
        return link;
    }

    Link create(UUID project, Namespace ns, UUID key, Instant expires) {
        String payload = Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                        (Ids.hex(project) + "\n" + ns.name() + "\n" + expires.getEpochSecond() + "\n" + Ids.hex(key))
                                .getBytes(StandardCharsets.UTF_8));
        return new Link(payload + "." + signature(payload), Instant.ofEpochSecond(expires.getEpochSecond()));
    }

    /** The namespace a token opens, if its signature is right and it has not expired; 403 otherwise. */
    Target verify(String token) {
        return parse(token).orElseThrow(ExportLinkRefused::invalid);
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
        if (parts.length != 4 || Instant.ofEpochSecond(Long.parseLong(parts[2])).isBefore(clock.instant())) {
            return Optional.empty();
        }
        Optional<UUID> key = Ids.fromHex(parts[3]);
        return Ids.fromHex(parts[0]).flatMap(p -> key.map(k -> new Target(p, new Namespace(parts[1]), k)));
    }

    /**
     * Streams the namespace as one JSON document to {@code out}. The use is recorded first, in its own
     * transaction; then every page is read in a short transaction of its own and written after it
     * ends, so the pace of the client never holds a transaction open. The document is therefore not
     * one snapshot: a change made while it streams may or may not be in it (keyset pagination never
     * repeats nor skips an entity that exists throughout).
     */
    void write(Target target, OutputStream out) {
        read(
                target,
                () -> audit.record(AuditLog.Change.of(
                        target.project(),
                        target.namespace().name(),
                        EntityType.NAMESPACE,
                        target.namespace().name(),
                        Action.EXPORT_USED,
                        null)));
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
    }

    /** Reads in a short tenant transaction of its own (nothing is written to the client inside it). */
    private <T> T read(Target t, Supplier<T> work) {
        return tenants.inNamespace(t.project(), t.namespace(), work);
    }

    /**
     * The next pages from {@code cursor}, read in one short transaction until {@link #BATCH} entities or
     * {@link #BATCH_CHARS} characters of content are in memory (so few transactions, and flat memory).
     */
    private <T> Page<T> readPages(
            Target t, @Nullable String cursor, Function<PageRequest, Page<T>> pages, ToIntFunction<T> chars) {
        return read(t, () -> {
            List<T> batch = new ArrayList<>();
            long size = 0;
            String after = cursor;
            do {
                Page<T> page = pages.apply(PageRequest.of(String.valueOf(PageRequest.MAX_LIMIT), after));
                batch.addAll(page.data());
                for (T item : page.data()) {
                    size += chars.applyAsInt(item);
                }
                after = page.nextCursor();
            } while (after != null && batch.size() < BATCH && size < BATCH_CHARS);
            return new Page<>(batch, after);
        });
    }

    private void writeDialogues(JsonGenerator g, Target t) {
        String cursor = null;
        do {
            Page<Dialogue> page =
                    readPages(t, cursor, p -> dialogues.list(t.project(), t.namespace(), (String) null, p), d -> 0);
            for (Dialogue d : page.data()) {
                g.writeStartObject();
                g.writeStringProperty("id", Ids.format("dlg", d.id()));
                g.writeStringProperty("key", d.key());
                g.writeStringProperty("title", d.title());
                g.writePOJOProperty("metadata", d.metadata().value());
                g.writePOJOProperty("tags", d.tags());
                g.writeBooleanProperty("legal_hold", d.legalHold());
                g.writeStringProperty("status", d.status().wireName());
                g.writeStringProperty("parent_id", d.parentId() == null ? null : Ids.format("dlg", d.parentId()));
                g.writeStringProperty("created_at", d.createdAt().toString());
                g.writeStringProperty("updated_at", d.updatedAt().toString());
                writeState(g, t, d);
                g.writeArrayPropertyStart("messages");
                writeMessages(g, t, d);
                g.writeEndArray();
                g.writeEndObject();
            }
            cursor = page.nextCursor();
        } while (cursor != null);
    }

    /** The dialogue's state and its version, read in a short transaction of its own. */
    private void writeState(JsonGenerator g, Target t, Dialogue d) {
        DialogueService.DialogueState state;
        try {
            state = read(t, () -> dialogues.state(t.project(), t.namespace(), Ids.format("dlg", d.id())));
        } catch (NotFound deletedMeanwhile) {
            return;
        }
        g.writePOJOProperty("state", state.state());
        g.writeNumberProperty("state_version", state.version());
    }

    private void writeMessages(JsonGenerator g, Target t, Dialogue d) {
        String dialogue = Ids.format("dlg", d.id());
        String cursor = null;
        do {
            Page<Message> page;
            try {
                page = readPages(
                        t,
                        cursor,
                        p -> dialogues
                                .messages(t.project(), t.namespace(), dialogue, 0, p)
                                .page(),
                        m -> m.content().length());
            } catch (NotFound deletedMeanwhile) {
                return;
            }
            for (Message m : page.data()) {
                g.writeStartObject();
                g.writeStringProperty("id", Ids.format("msg", m.id()));
                g.writeNumberProperty("seq", m.seq());
                g.writeStringProperty("role", m.role().wireName());
                g.writeStringProperty("content", m.content());
                g.writePOJOProperty("metadata", m.metadata().value());
                g.writeStringProperty("created_at", m.createdAt().toString());
                g.writeStringProperty(
                        "updated_at",
                        m.updatedAt() == null ? null : m.updatedAt().toString());
                g.writeEndObject();
            }
            cursor = page.nextCursor();
        } while (cursor != null);
    }

    private void writeMemories(JsonGenerator g, Target t) {
        String cursor = null;
        do {
            Page<Memory> page = readPages(
                    t,
                    cursor,
                    p -> memories.list(t.project(), t.namespace(), null, p),
                    m -> m.searchText().length()
                            + (m.value() == null ? 0 : m.value().length()));
            for (Memory m : page.data()) {
                g.writeStartObject();
                g.writeStringProperty("id", m.publicId());
                g.writeStringProperty("kind", m.kind().wireName());
                g.writeStringProperty("content", m.content());
                if (m.value() != null) {
                    g.writeName("value");
                    g.writeRawValue(m.value()); // compact JSON checked when it was written
                } else {
                    g.writeNullProperty("value");
                }
                g.writeStringProperty("label", m.label());
                g.writeStringProperty("description", m.description());
                g.writePOJOProperty("metadata", m.metadata().value());
                g.writeStringProperty(
                        "expires_at",
                        m.expiresAt() == null ? null : m.expiresAt().toString());
                g.writeStringProperty("created_at", m.createdAt().toString());
                g.writeEndObject();
            }
            cursor = page.nextCursor();
        } while (cursor != null);
    }

    private String signature(String payload) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                        ServerKeys.hmac(urlKey, ("colloquy-export/v1\n" + payload).getBytes(StandardCharsets.UTF_8)));
    }
}
