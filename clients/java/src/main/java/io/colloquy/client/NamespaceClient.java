package io.colloquy.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The operations of one namespace: dialogues, their messages, memories, search, export and erasure. Get one from
 * {@link ColloquyClient#namespace(String)}; thread-safe.
 */
public final class NamespaceClient {
    private static final Pattern NAMESPACE = Pattern.compile("^[A-Za-z0-9._:-]{1,128}$");
    private static final TypeReference<List<Message>> MESSAGES = new TypeReference<>() {};
    private static final TypeReference<List<SearchHit>> HITS = new TypeReference<>() {};

    private final Transport transport;
    private final String namespace;
    private final String base;

    NamespaceClient(Transport transport, String namespace) {
        if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException("a namespace matches ^[A-Za-z0-9._:-]{1,128}$: " + namespace);
        }
        this.transport = transport;
        this.namespace = namespace;
        this.base = "/v1/namespaces/" + namespace;
    }

    /** This namespace's name. */
    public String name() {
        return namespace;
    }

    // ---- dialogues

    /**
     * Creates a dialogue. With a {@link NewDialogue#key()} already held by a dialogue of this namespace: {@link
     * ColloquyException.Conflict} with code {@code ALREADY_EXISTS}.
     */
    public Dialogue createDialogue(NewDialogue dialogue) {
        return transport.post(
                base + "/dialogues",
                Transport.object(
                        "key", dialogue.key(),
                        "title", dialogue.title(),
                        "metadata", dialogue.metadata(),
                        "tags", dialogue.tags()),
                Dialogue.class);
    }

    /**
     * Gets the dialogue holding the application's own {@code key}, or creates it with {@code fields} (title,
     * metadata and tags, used only when created; null for none) in one round trip. Concurrent calls with one key
     * end with one dialogue.
     */
    public DialogueByKey dialogueByKey(String key, NewDialogue fields) {
        Object body = fields == null
                ? null
                : Transport.object("title", fields.title(), "metadata", fields.metadata(), "tags", fields.tags());
        Transport.Answer answer = transport.call("PUT", base + "/dialogues/by-key/" + segment(key), body, null);
        return new DialogueByKey(Transport.convert(answer.body(), Dialogue.class), answer.status() == 201);
    }

    /** The dialogue holding the application's own {@code key}, if there is one. */
    public Optional<Dialogue> findDialogueByKey(String key) {
        try {
            return Optional.of(transport.get(base + "/dialogues/by-key/" + segment(key), Dialogue.class));
        } catch (ColloquyException.NotFound e) {
            return Optional.empty();
        }
    }

    /** A dialogue by id; {@link ColloquyException.NotFound} when there is none. */
    public Dialogue dialogue(String dialogueId) {
        return transport.get(base + "/dialogues/" + segment(dialogueId), Dialogue.class);
    }

    /** Every dialogue, newest first, fetched page by page as the stream is consumed. */
    public Stream<Dialogue> dialogues() {
        return dialogues(null, 50);
    }

    /**
     * Dialogues, newest first, lazily.
     *
     * @param tag only dialogues with this tag, or null for all
     * @param pageSize items per request, 1 to 200
     */
    public Stream<Dialogue> dialogues(String tag, int pageSize) {
        return Paging.stream(cursor -> transport.page(
                base + "/dialogues?limit=" + pageSize + (tag == null ? "" : "&tag=" + query(tag))
                        + (cursor == null ? "" : "&cursor=" + query(cursor)),
                Dialogue.class));
    }

    /**
     * Changes a dialogue's title, metadata or tags; a null argument leaves the field as it is.
     *
     * @param changes the fields to set: {@code title}, {@code metadata}, {@code tags}, {@code legal_hold} (admin)
     */
    public Dialogue updateDialogue(String dialogueId, Map<String, Object> changes) {
        return Transport.convert(
                transport
                        .call("PATCH", base + "/dialogues/" + segment(dialogueId), changes, null)
                        .body(),
                Dialogue.class);
    }

    /** Deletes a dialogue with its messages. */
    public void deleteDialogue(String dialogueId) {
        transport.call("DELETE", base + "/dialogues/" + segment(dialogueId), null, null);
    }

    // ---- messages

    /** Appends one message; answers it with its seq. */
    public Message append(String dialogueId, NewMessage message) {
        return transport.post(
                base + "/dialogues/" + segment(dialogueId) + "/messages", message(message), Message.class);
    }

    /** Appends up to 100 messages at once, all or nothing, with consecutive seqs. */
    public List<Message> append(String dialogueId, List<NewMessage> messages) {
        return appendWithKey(dialogueId, messages, null);
    }

    /**
     * Appends up to 100 messages with the caller's own {@code Idempotency-Key} (null: a new one): the same key and
     * batch within 24 h answers the original messages and appends nothing again.
     */
    public List<Message> appendWithKey(String dialogueId, List<NewMessage> messages, String idempotencyKey) {
        JsonNode body = transport
                .call(
                        "POST",
                        base + "/dialogues/" + segment(dialogueId) + "/messages",
                        Map.of(
                                "messages",
                                messages.stream().map(NamespaceClient::message).toList()),
                        idempotencyKey)
                .body();
        return Transport.convert(body.path("data"), MESSAGES);
    }

    /** Every message of a dialogue in seq order, fetched page by page as the stream is consumed. */
    public Stream<Message> messages(String dialogueId) {
        return messages(dialogueId, 0, 200);
    }

    /**
     * The messages of a dialogue after a seq, in seq order, lazily.
     *
     * @param afterSeq only messages with a larger seq (0: all)
     * @param pageSize items per request, 1 to 200
     */
    public Stream<Message> messages(String dialogueId, long afterSeq, int pageSize) {
        String path =
                base + "/dialogues/" + segment(dialogueId) + "/messages?limit=" + pageSize + "&after_seq=" + afterSeq;
        return Paging.stream(
                cursor -> transport.page(path + (cursor == null ? "" : "&cursor=" + query(cursor)), Message.class));
    }

    /** One page of a dialogue's messages (for callers that keep cursors themselves). */
    public Page<Message> messagePage(String dialogueId, long afterSeq, int limit, String cursor) {
        return transport.page(
                base + "/dialogues/" + segment(dialogueId) + "/messages?limit=" + limit + "&after_seq=" + afterSeq
                        + (cursor == null ? "" : "&cursor=" + query(cursor)),
                Message.class);
    }

    /**
     * Every message of a dialogue after a seq, in seq order, with the dialogue's revision they were read at.
     *
     * @param revision the dialogue's revision as of the read, or -1 when it changed between two of the pages read
     *     (then read again)
     */
    public record MessagesAfter(List<Message> messages, long revision) {}

    /**
     * Every message of a dialogue after {@code afterSeq} and the dialogue's revision as of the read: one request
     * per 200 messages. Messages held from an earlier read at the same revision plus these are the dialogue's
     * messages now; another revision means something other than an append happened (see {@link Dialogue#revision}).
     */
    public MessagesAfter messagesAfter(String dialogueId, long afterSeq) {
        String path = base + "/dialogues/" + segment(dialogueId) + "/messages?limit=200&after_seq=" + afterSeq;
        List<Message> all = new java.util.ArrayList<>();
        long revision = Long.MIN_VALUE;
        String cursor = null;
        do {
            Transport.Answer page =
                    transport.call("GET", path + (cursor == null ? "" : "&cursor=" + query(cursor)), null, null);
            long seen = page.headers()
                    .firstValue("Colloquy-Dialogue-Revision")
                    .map(Long::parseLong)
                    .orElse(-1L);
            revision = revision == Long.MIN_VALUE || revision == seen ? seen : -1;
            all.addAll(Transport.convert(page.body().path("data"), MESSAGES));
            JsonNode next = page.body().get("next_cursor");
            cursor = next == null || next.isNull() ? null : next.asText();
        } while (cursor != null);
        return new MessagesAfter(List.copyOf(all), revision);
    }

    /** One message of a dialogue. */
    public Message message(String dialogueId, String messageId) {
        return transport.get(
                base + "/dialogues/" + segment(dialogueId) + "/messages/" + segment(messageId), Message.class);
    }

    /**
     * Edits a message: {@code content} and/or {@code metadata} (null clears it); the audit log keeps the previous
     * version.
     */
    public Message updateMessage(String dialogueId, String messageId, Map<String, Object> changes) {
        return Transport.convert(
                transport
                        .call(
                                "PATCH",
                                base + "/dialogues/" + segment(dialogueId) + "/messages/" + segment(messageId),
                                changes,
                                null)
                        .body(),
                Message.class);
    }

    /** Deletes one message (the seqs of the others stay). */
    public void deleteMessage(String dialogueId, String messageId) {
        transport.call(
                "DELETE", base + "/dialogues/" + segment(dialogueId) + "/messages/" + segment(messageId), null, null);
    }

    // ---- memories

    /** Creates a memory. */
    public Memory remember(NewMemory memory) {
        return transport.post(
                base + "/memories",
                Transport.object(
                        "kind", memory.kind(),
                        "content", memory.content(),
                        "metadata", memory.metadata(),
                        "expires_at",
                                memory.expiresAt() == null
                                        ? null
                                        : memory.expiresAt().toString()),
                Memory.class);
    }

    /** A memory by id. */
    public Memory memory(String memoryId) {
        return transport.get(base + "/memories/" + segment(memoryId), Memory.class);
    }

    /** Every memory (of a kind, or all for null), newest first, lazily. */
    public Stream<Memory> memories(String kind) {
        return Paging.stream(cursor -> transport.page(
                base + "/memories?limit=200" + (kind == null ? "" : "&kind=" + query(kind))
                        + (cursor == null ? "" : "&cursor=" + query(cursor)),
                Memory.class));
    }

    /** Deletes a memory. */
    public void forget(String memoryId) {
        transport.call("DELETE", base + "/memories/" + segment(memoryId), null, null);
    }

    // ---- search, export, erasure

    /**
     * Keyword search over messages and memories, best first.
     *
     * @param query the words that must all occur
     * @param types "messages", "memories" or "messages,memories"
     * @param limit at most this many results
     */
    public List<SearchHit> search(String query, String types, int limit) {
        JsonNode body = transport.get(
                base + "/search?q=" + query(query) + "&types=" + query(types) + "&limit=" + limit, JsonNode.class);
        return Transport.convert(body.path("data"), HITS);
    }

    /** A signed link to this namespace's export (admin), valid for 10 minutes, usable without the key. */
    public ExportLink exportLink() {
        return transport.post(base + "/export", null, ExportLink.class);
    }

    /**
     * Downloads this namespace's export (admin): every dialogue, message and memory as one JSON document, streamed
     * to {@code target} (written to a temporary file beside it first, then moved into place).
     */
    public Path exportTo(Path target) {
        ExportLink link = exportLink();
        try {
            Path parent = target.toAbsolutePath().getParent();
            Path partial = Files.createTempFile(parent, target.getFileName().toString(), ".part");
            try (InputStream in = transport.stream(URI.create(link.url()), false)) {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                return Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(partial);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Erases everything in this namespace (admin), keys first; answers the signed deletion receipt. */
    public DeletionReceipt erase() {
        return Transport.convert(transport.call("DELETE", base, null, null).body(), DeletionReceipt.class);
    }

    private static Map<String, Object> message(NewMessage m) {
        return Transport.object("role", m.role(), "content", m.content(), "metadata", m.metadata());
    }

    /** A path segment: ids and keys hold only unreserved characters and {@code :@~+=}, which a path may carry. */
    static String segment(String value) {
        if (value == null || value.isEmpty() || value.contains("/") || value.contains("?") || value.contains("#")) {
            throw new IllegalArgumentException("not a valid id or key: " + value);
        }
        return URLEncoder.encode(value, StandardCharsets.UTF_8)
                .replace("+", "%20")
                .replace("%3A", ":")
                .replace("%40", "@")
                .replace("%7E", "~")
                .replace("%2B", "+")
                .replace("%3D", "=");
    }

    static String query(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
