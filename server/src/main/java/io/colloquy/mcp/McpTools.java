package io.colloquy.mcp;

import io.colloquy.crypto.BlindIndex;
import io.colloquy.dialogues.Dialogue;
import io.colloquy.dialogues.DialogueService;
import io.colloquy.dialogues.DialogueViews.DialogueView;
import io.colloquy.dialogues.DialogueViews.MessageBatchView;
import io.colloquy.dialogues.DialogueViews.MessageView;
import io.colloquy.dialogues.Message;
import io.colloquy.keys.Capability;
import io.colloquy.memories.Memory;
import io.colloquy.memories.MemoryService;
import io.colloquy.memories.MemoryView;
import io.colloquy.search.HitView;
import io.colloquy.search.SearchService;
import io.colloquy.tenant.Namespace;
import io.colloquy.tenant.RequestContext;
import io.colloquy.tenant.Tenant;
import io.colloquy.tenant.TenantTransactions;
import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.ErrorResponses;
import io.colloquy.web.Metadata;
import io.colloquy.web.Page;
import io.colloquy.web.PageRequest;
import io.colloquy.web.ServiceUnavailable;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpStatelessServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The tools of the MCP server. Each call is one tenant request of the calling API key: the capability the tool
 * needs is checked first (read tools need {@code read}, write tools {@code write}: a refusal is a tool error
 * {@code FORBIDDEN}, never data), the arguments are validated like the REST API's bodies, then the work runs in one
 * tenant transaction of the key's project and the namespace argument, with the request context bound (so audit
 * events name the key), through the same services as the REST controllers. Results are JSON text with the REST
 * API's shapes; every refusal is a tool error ({@code isError}) whose text is the contract's error body.
 */
@Component
final class McpTools {
    /** Where the request filter's context travels from the HTTP request to the tool handlers. */
    static final String CONTEXT = RequestContext.class.getName();

    private static final Logger log = LoggerFactory.getLogger(McpTools.class);
    private static final int DEFAULT_RECENT = 20;
    private static final int MAX_SEARCH = 100;
    private static final int DEFAULT_SEARCH = 20;
    private static final int DEFAULT_RECALL = 10;

    private static final String NAMESPACE = """
            "namespace": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$",
              "description": "The namespace to act in: one per end user or tenant of your application. Data of one namespace is never visible from another."}""";
    private static final String METADATA = """
            {"type": "object", "description": "Free-form JSON object stored with it (at most 64 keys, 16 KiB)."}""";

    private final DialogueService dialogues;
    private final MemoryService memories;
    private final SearchService search;
    private final TenantTransactions tenants;
    private final ErrorResponses errors;
    private final JsonMapper json;

    McpTools(
            DialogueService dialogues,
            MemoryService memories,
            SearchService search,
            TenantTransactions tenants,
            ErrorResponses errors,
            JsonMapper json) {
        this.dialogues = dialogues;
        this.memories = memories;
        this.search = search;
        this.tenants = tenants;
        this.errors = errors;
        this.json = json;
    }

    /** What a tool does once its arguments are valid: the work in the tenant's transaction. */
    private interface Work {
        Object in(Tenant tenant);
    }

    List<SyncToolSpecification> specifications(McpJsonMapper mapper) {
        List<SyncToolSpecification> tools = new ArrayList<>();
        tools.add(tool(
                mapper,
                "create_dialogue",
                "Create a dialogue (a conversation) in a namespace. Returns the dialogue; append messages to it with"
                        + " append_messages using its id. With a key (your application's own id for the conversation),"
                        + " returns the dialogue already holding that key, or creates it: call it again with the same key"
                        + " to find the conversation.",
                Capability.WRITE,
                """
                {"type": "object", "properties": {%s,
                  "key": {"type": "string", "pattern": "^[A-Za-z0-9._:@~+=-]{1,256}$", "description": "Your application's own id for this conversation, unique in the namespace: get-or-create by it."},
                  "title": {"type": "string", "maxLength": 512, "description": "A title for people to recognise it by."},
                  "metadata": %s,
                  "tags": {"type": "array", "maxItems": 32, "items": {"type": "string", "minLength": 1, "maxLength": 64},
                    "description": "Labels to filter dialogues by (list_dialogues' tag)."}},
                 "required": ["namespace"], "additionalProperties": false}""".formatted(NAMESPACE, METADATA),
                this::createDialogue));
        tools.add(tool(
                mapper,
                "get_dialogue",
                "Get one dialogue by its id (dlg_...) or by the key your application gave it: title, metadata, tags,"
                        + " message count, timestamps.",
                Capability.READ,
                """
                {"type": "object", "properties": {%s,
                  "id": {"type": "string", "description": "The dialogue's id, as create_dialogue or list_dialogues returned it (dlg_...)."},
                  "key": {"type": "string", "description": "Instead of id: the key the dialogue was created with."}},
                 "required": ["namespace"], "additionalProperties": false}""".formatted(NAMESPACE),
                this::getDialogue));
        tools.add(tool(
                mapper,
                "list_dialogues",
                "List the dialogues of a namespace, newest first, a page at a time: pass next_cursor back as cursor"
                        + " for the next page (null when there is none).",
                Capability.READ,
                """
                {"type": "object", "properties": {%s,
                  "tag": {"type": "string", "minLength": 1, "maxLength": 64, "description": "Only dialogues with this tag."},
                  "limit": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50, "description": "Dialogues per page."},
                  "cursor": {"type": "string", "description": "next_cursor of the previous page."}},
                 "required": ["namespace"], "additionalProperties": false}""".formatted(NAMESPACE),
                this::listDialogues));
        tools.add(tool(
                mapper,
                "append_messages",
                "Append 1 to 100 messages to a dialogue, in order, atomically: all are stored or none. Each gets the"
                        + " next sequence number (seq) of the dialogue.",
                Capability.WRITE,
                """
                {"type": "object", "properties": {%s,
                  "dialogue_id": {"type": "string", "description": "The dialogue's id (dlg_...)."},
                  "messages": {"type": "array", "minItems": 1, "maxItems": 100, "description": "The messages, oldest first.",
                    "items": {"type": "object", "properties": {
                      "role": {"type": "string", "enum": ["user", "assistant", "system", "tool"], "description": "Who said it."},
                      "content": {"type": "string", "minLength": 1, "description": "The text of the message."},
                      "metadata": %s},
                     "required": ["role", "content"], "additionalProperties": false}}},
                 "required": ["namespace", "dialogue_id", "messages"], "additionalProperties": false}""".formatted(NAMESPACE, METADATA),
                this::appendMessages));
        tools.add(tool(
                mapper,
                "list_recent_messages",
                "The most recent messages of a dialogue, oldest first (in seq order): what was said last, to continue"
                        + " the conversation.",
                Capability.READ,
                """
                {"type": "object", "properties": {%s,
                  "dialogue_id": {"type": "string", "description": "The dialogue's id (dlg_...)."},
                  "limit": {"type": "integer", "minimum": 1, "maximum": 200, "default": 20, "description": "How many of the latest messages."}},
                 "required": ["namespace", "dialogue_id"], "additionalProperties": false}""".formatted(NAMESPACE),
                this::recentMessages));
        tools.add(tool(
                mapper,
                "search",
                "Keyword search over the messages and memories of a namespace: every word of q must occur. Returns the"
                        + " best matches first, each with its type (message or memory), id, content and score.",
                Capability.READ,
                """
                {"type": "object", "properties": {%s,
                  "q": {"type": "string", "minLength": 1, "maxLength": 1000, "description": "The words to find (at least one letter or digit)."},
                  "types": {"type": "array", "items": {"type": "string", "enum": ["messages", "memories"]}, "minItems": 1,
                    "description": "What to search; both when absent."},
                  "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20, "description": "At most this many results."}},
                 "required": ["namespace", "q"], "additionalProperties": false}""".formatted(NAMESPACE),
                this::search));
        tools.add(tool(
                mapper,
                "remember",
                "Store a memory: a fact, preference or note to recall later in this namespace (across dialogues)."
                        + " Returns the memory with its id (mem_...), which forget takes.",
                Capability.WRITE,
                """
                {"type": "object", "properties": {%s,
                  "content": {"type": "string", "minLength": 1, "description": "What to remember."},
                  "kind": {"type": "string", "enum": ["short_term", "long_term"], "default": "long_term",
                    "description": "long_term (kept) or short_term (working memory, usually with expires_at)."},
                  "metadata": %s,
                  "expires_at": {"type": "string", "format": "date-time", "description": "RFC 3339 time after which it is forgotten."}},
                 "required": ["namespace", "content"], "additionalProperties": false}""".formatted(NAMESPACE, METADATA),
                this::remember));
        tools.add(tool(
                mapper,
                "recall",
                "Search the memories of a namespace by keywords (every word of q must occur); best matches first.",
                Capability.READ,
                """
                {"type": "object", "properties": {%s,
                  "q": {"type": "string", "minLength": 1, "maxLength": 1000, "description": "The words to find (at least one letter or digit)."},
                  "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10, "description": "At most this many memories."}},
                 "required": ["namespace", "q"], "additionalProperties": false}""".formatted(NAMESPACE),
                this::recall));
        tools.add(tool(
                mapper,
                "forget",
                "Delete a memory by its id (mem_...). It can be restored within the project's restore window.",
                Capability.WRITE,
                """
                {"type": "object", "properties": {%s,
                  "id": {"type": "string", "description": "The memory's id (mem_...), as remember or recall returned it."}},
                 "required": ["namespace", "id"], "additionalProperties": false}""".formatted(NAMESPACE),
                this::forget));
        return tools;
    }

    private Work createDialogue(ToolArguments args) {
        String key = args.text("key", 1, 256);
        String title = args.text("title", 0, DialogueService.MAX_TITLE_CHARS);
        ObjectNode metadata = args.object("metadata");
        List<String> tags = args.strings("tags", DialogueService.MAX_TAGS, DialogueService.MAX_TAG_CHARS);
        args.validate();
        var dialogue = new DialogueService.NewDialogue(
                title, Metadata.of(metadata, "metadata"), tags == null ? List.of() : tags);
        if (key != null) {
            return t -> DialogueView.of(dialogues
                    .getOrCreate(t.projectId(), t.namespace(), key, dialogue)
                    .dialogue());
        }
        return t -> DialogueView.of(dialogues.create(t.projectId(), t.namespace(), dialogue));
    }

    private Work getDialogue(ToolArguments args) {
        String id = args.text("id", 1, 200);
        String key = args.text("key", 1, 256);
        if ((id == null) == (key == null)) {
            args.problem("id", "give exactly one of id and key");
        }
        args.validate();
        if (key != null) {
            return t -> DialogueView.of(dialogues.getByKey(t.projectId(), t.namespace(), key));
        }
        return t -> DialogueView.of(dialogues.get(t.projectId(), t.namespace(), Objects.requireNonNull(id)));
    }

    private Work listDialogues(ToolArguments args) {
        String tag = args.text("tag", 1, DialogueService.MAX_TAG_CHARS);
        int limit = args.integer("limit", 1, PageRequest.MAX_LIMIT, PageRequest.DEFAULT_LIMIT);
        String cursor = args.text("cursor", 1, 1000);
        args.validate();
        PageRequest page = PageRequest.of(Integer.toString(limit), cursor);
        return t -> {
            Page<Dialogue> found = dialogues.list(t.projectId(), t.namespace(), tag, page);
            return new Page<>(found.data().stream().map(DialogueView::of).toList(), found.nextCursor());
        };
    }

    private Work appendMessages(ToolArguments args) {
        String dialogueId = args.requiredText("dialogue_id", 1, 200);
        List<ObjectNode> messages = args.objects("messages", DialogueService.MAX_BATCH);
        List<DialogueService.NewMessage> batch = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            batch.add(message(messages.get(i), "messages[" + i + "]."));
        }
        args.validate();
        return t -> new MessageBatchView(
                dialogues.append(t.projectId(), t.namespace(), Objects.requireNonNull(dialogueId), batch).stream()
                        .map(MessageView::of)
                        .toList());
    }

    private DialogueService.NewMessage message(ObjectNode m, String prefix) {
        JsonNode role = m.get("role");
        Message.Role parsed = null;
        for (Message.Role r : Message.Role.values()) {
            if (role != null && role.isString() && r.wireName().equals(role.asString())) {
                parsed = r;
            }
        }
        if (parsed == null) {
            throw io.colloquy.web.ValidationFailed.of(
                    prefix + "role", "is required: one of user, assistant, system, tool");
        }
        JsonNode content = m.get("content");
        JsonNode metadata = m.get("metadata");
        if (metadata != null && !metadata.isNull() && !metadata.isObject()) {
            throw io.colloquy.web.ValidationFailed.of(prefix + "metadata", "must be an object");
        }
        return new DialogueService.NewMessage(
                parsed,
                dialogues.content(
                        content != null && content.isString() ? content.asString() : null, prefix + "content"),
                Metadata.of(metadata instanceof ObjectNode o ? o : null, prefix + "metadata"));
    }

    private Work recentMessages(ToolArguments args) {
        String dialogueId = args.requiredText("dialogue_id", 1, 200);
        int limit = args.integer("limit", 1, PageRequest.MAX_LIMIT, DEFAULT_RECENT);
        args.validate();
        return t -> {
            String id = Objects.requireNonNull(dialogueId);
            Dialogue d = dialogues.get(t.projectId(), t.namespace(), id);
            long after = Math.max(0, d.lastSeq() - limit);
            Page<Message> page = dialogues
                    .messages(t.projectId(), t.namespace(), id, after, new PageRequest(limit, null))
                    .page();
            return new MessageBatchView(
                    page.data().stream().map(MessageView::of).toList());
        };
    }

    /** {@code {"data": [...]}}: the REST search's shape. */
    record Hits(List<HitView> data) {}

    private Work search(ToolArguments args) {
        String q = query(args);
        List<SearchService.Type> types = new ArrayList<>();
        List<String> wanted = args.strings("types", 2, 16);
        for (String t : wanted == null ? List.of("messages", "memories") : wanted) {
            switch (t) {
                case "messages" -> types.add(SearchService.Type.MESSAGES);
                case "memories" -> types.add(SearchService.Type.MEMORIES);
                default -> args.problem("types", "must list messages and/or memories");
            }
        }
        if (wanted != null && wanted.isEmpty()) {
            args.problem("types", "must list messages and/or memories");
        }
        int limit = args.integer("limit", 1, MAX_SEARCH, DEFAULT_SEARCH);
        args.validate();
        List<SearchService.Type> distinct = types.stream().distinct().toList();
        return t -> new Hits(
                search.search(t.projectId(), t.namespace(), Objects.requireNonNull(q), distinct, limit).stream()
                        .map(HitView::of)
                        .toList());
    }

    private Work recall(ToolArguments args) {
        String q = query(args);
        int limit = args.integer("limit", 1, MAX_SEARCH, DEFAULT_RECALL);
        args.validate();
        return t -> new Hits(search
                .search(
                        t.projectId(),
                        t.namespace(),
                        Objects.requireNonNull(q),
                        List.of(SearchService.Type.MEMORIES),
                        limit)
                .stream()
                .map(HitView::of)
                .toList());
    }

    private static @Nullable String query(ToolArguments args) {
        String q = args.requiredText("q", 1, 1000);
        if (q != null && (q.isBlank() || BlindIndex.tokens(q).isEmpty())) {
            return args.problem("q", "must contain at least one letter or digit");
        }
        return q;
    }

    private Work remember(ToolArguments args) {
        String content = args.content("content");
        String kindName = args.text("kind", 1, 32);
        Memory.Kind kind = kindName == null
                ? Memory.Kind.LONG_TERM
                : Memory.Kind.fromWire(kindName).orElse(null);
        if (kind == null) {
            args.problem("kind", "must be short_term or long_term");
        }
        ObjectNode metadata = args.object("metadata");
        var expiresAt = args.timestamp("expires_at");
        args.validate();
        var memory = new MemoryService.NewMemory(
                Objects.requireNonNull(kind), memories.content(content), Metadata.of(metadata, "metadata"), expiresAt);
        return t -> MemoryView.of(memories.create(t.projectId(), t.namespace(), memory));
    }

    /** {@code forget}'s answer: the REST API answers 204 with no body, a tool says what it did. */
    record Forgotten(String id, boolean deleted) {}

    private Work forget(ToolArguments args) {
        String id = args.requiredText("id", 1, 200);
        args.validate();
        return t -> {
            memories.delete(t.projectId(), t.namespace(), Objects.requireNonNull(id));
            return new Forgotten(id, true);
        };
    }

    private SyncToolSpecification tool(
            McpJsonMapper mapper,
            String name,
            String description,
            Capability needed,
            String inputSchema,
            Function<ToolArguments, Work> prepare) {
        boolean reads = needed == Capability.READ;
        McpSchema.Tool tool = McpSchema.Tool.builder()
                .name(name)
                .description(description + (reads ? " Needs a key with read." : " Needs a key with write."))
                .inputSchema(mapper, inputSchema)
                .annotations(new McpSchema.ToolAnnotations(
                        null, reads, name.equals("forget"), reads || name.equals("forget"), false, null))
                .build();
        return new SyncToolSpecification(tool, (transport, request) -> call(transport, request, needed, prepare));
    }

    /**
     * One tool call as one tenant request: capability, arguments, then the work in one transaction of the key's
     * project and the namespace argument, with the context bound for the audit log; any refusal a tool error.
     */
    private CallToolResult call(
            McpTransportContext transport,
            CallToolRequest request,
            Capability needed,
            Function<ToolArguments, Work> prepare) {
        if (!(transport.get(CONTEXT) instanceof RequestContext context)) {
            // the route table admits no call to /mcp without a key: a bug, not an input
            throw new IllegalStateException("An MCP tool call without a request context");
        }
        String requestId = Objects.requireNonNullElse(context.requestId(), "");
        try {
            if (!context.can(needed)) {
                throw new ApiException(
                        ErrorCode.FORBIDDEN,
                        "The API key lacks the " + needed.wireName() + " capability this tool needs.");
            }
            ToolArguments args = ToolArguments.of(request.arguments());
            Namespace namespace = args.namespace();
            Work work = prepare.apply(args);
            args.validate();
            Namespace ns = Objects.requireNonNull(namespace);
            RequestContext scoped = context.inNamespace(ns);
            Object result = scoped.call(() ->
                    tenants.inNamespace(context.projectId(), ns, () -> work.in(new Tenant(context.projectId(), ns))));
            return CallToolResult.builder()
                    .addTextContent(json.writeValueAsString(result))
                    .isError(false)
                    .build();
        } catch (ApiException e) {
            return failure(e, requestId);
        } catch (RuntimeException e) {
            if (ServiceUnavailable.causedBy(e)) {
                log.warn("MCP tool {} failed: the database is unavailable ({})", request.name(), e.getMessage());
                return failure(ServiceUnavailable.database(), requestId);
            }
            log.error("MCP tool {} failed (request {})", request.name(), requestId, e);
            return failure(
                    new ApiException(ErrorCode.INTERNAL, "Internal error. Quote the request id when reporting it."),
                    requestId);
        }
    }

    private CallToolResult failure(ApiException e, String requestId) {
        return CallToolResult.builder()
                .addTextContent(json.writeValueAsString(errors.body(e, requestId)))
                .isError(true)
                .build();
    }
}
