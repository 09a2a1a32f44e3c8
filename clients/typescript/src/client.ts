import { VerificationError } from "./errors.js";
import { Http, type ClientOptions, type RequestOptions } from "./http.js";
import { auditStream, type StreamOptions, type WebSocketConstructor } from "./stream.js";
import type {
  ApiKey,
  AuditEvent,
  Checkpoint,
  ConsistencyProof,
  CreatedProject,
  DeletionReceipt,
  Dialogue,
  DialogueChanges,
  DialogueInput,
  ExportLink,
  InclusionProof,
  Memory,
  MemoryChanges,
  MemoryInput,
  Message,
  MessageInput,
  Page,
  Project,
  PublicKey,
  SearchHit,
  StreamToken,
} from "./types.js";
import { verifyCheckpoint, verifyConsistency, verifyEvent, verifyInclusion } from "./verify.js";

export interface ColloquyOptions extends ClientOptions {
  /** WebSocket implementation for the audit stream (default: the global one). */
  webSocket?: WebSocketConstructor;
}

export interface PageOptions {
  limit?: number;
  cursor?: string;
  signal?: AbortSignal;
}

type Call = Pick<RequestOptions, "idempotencyKey" | "signal">;

const seg = encodeURIComponent;

/** Every item of every page, fetching the next page only when the previous one is consumed. */
async function* paginate<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>, cursor?: string): AsyncGenerator<T> {
  while (true) {
    const page = await fetchPage(cursor);
    yield* page.data;
    if (!page.next_cursor) return;
    cursor = page.next_cursor;
  }
}

/** The Colloquy API: `new Colloquy({ baseUrl, apiKey })`, then `client.dialogues(ns).…`, `client.audit.…`. */
export class Colloquy {
  readonly http: Http;
  private readonly webSocket: WebSocketConstructor | undefined;

  constructor(options: ColloquyOptions) {
    this.http = new Http(options);
    this.webSocket = options.webSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  }

  private async call<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
    return (await this.http.request<T>(method, path, options)).data;
  }

  dialogues(namespace: string): Dialogues {
    return new Dialogues(this.http, `/v1/namespaces/${seg(namespace)}`);
  }

  memories(namespace: string): Memories {
    return new Memories(this.http, `/v1/namespaces/${seg(namespace)}`);
  }

  search(namespace: string, q: string, options: { types?: string[]; limit?: number; signal?: AbortSignal } = {}): Promise<SearchHit[]> {
    return this.call<Page<SearchHit>>("GET", `/v1/namespaces/${seg(namespace)}/search`, {
      query: { q, types: options.types?.join(","), limit: options.limit },
      signal: options.signal,
    }).then((r) => r.data);
  }

  /** Erases the namespace (admin); answers a signed deletion receipt. */
  eraseNamespace(namespace: string, options: Call = {}): Promise<DeletionReceipt> {
    return this.call("DELETE", `/v1/namespaces/${seg(namespace)}`, options);
  }

  exportNamespace(namespace: string, options: Call = {}): Promise<ExportLink> {
    return this.call("POST", `/v1/namespaces/${seg(namespace)}/export`, { ...options, body: {} });
  }

  readonly project = {
    get: (options: Call = {}): Promise<Project> => this.call("GET", "/v1/project", options),
    update: (changes: Record<string, unknown>, options: Call = {}): Promise<Project> =>
      this.call("PATCH", "/v1/project", { ...options, body: changes }),
  };

  /** Operator token only: `POST /v1/projects` answers the project and its first admin key (shown once). */
  readonly projects = {
    create: (
      input: { name: string; plan?: string; immutable_dialogues?: boolean; delete_protection?: boolean },
      options: Call = {},
    ): Promise<CreatedProject> => this.call("POST", "/v1/projects", { ...options, body: input }),
  };

  readonly keys = {
    create: (
      input: { name?: string; capabilities: ("read" | "write" | "admin")[]; ip_allowlist?: string[]; expires_at?: string },
      options: Call = {},
    ): Promise<ApiKey> => this.call("POST", "/v1/keys", { ...options, body: input }),
    list: (options: PageOptions = {}): AsyncGenerator<ApiKey> =>
      paginate(
        (cursor) => this.call<Page<ApiKey>>("GET", "/v1/keys", { query: { limit: options.limit, cursor }, signal: options.signal }),
        options.cursor,
      ),
    revoke: (id: string, options: Call = {}): Promise<void> => this.call("DELETE", `/v1/keys/${seg(id)}`, options),
  };

  readonly audit = {
    /** Events in ascending seq (admin), every page. */
    events: (
      options: PageOptions & { afterSeq?: number; namespace?: string; entityType?: string; action?: string } = {},
    ): AsyncGenerator<AuditEvent> => {
      let after = options.afterSeq;
      // the log pages by seq: the next page starts after the last seq seen
      return (async function* (self: Colloquy) {
        while (true) {
          const page = await self.call<Page<AuditEvent>>("GET", "/v1/audit/events", {
            query: {
              after_seq: after,
              namespace: options.namespace,
              entity_type: options.entityType,
              action: options.action,
              limit: options.limit,
            },
            signal: options.signal,
          });
          yield* page.data;
          if (page.data.length === 0 || !page.next_cursor) return;
          after = page.data[page.data.length - 1]!.seq;
        }
      })(this);
    },
    publicKey: (options: Call = {}): Promise<PublicKey> => this.call("GET", "/v1/audit/public-key", options),
    checkpoint: (options: Call = {}): Promise<Checkpoint> => this.call("GET", "/v1/audit/checkpoint", options),
    inclusionProof: (seq: number, treeSize?: number, options: Call = {}): Promise<InclusionProof> =>
      this.call("GET", `/v1/audit/events/${seq}/proof`, { ...options, query: { tree_size: treeSize } }),
    consistencyProof: (fromSize: number, toSize?: number, options: Call = {}): Promise<ConsistencyProof> =>
      this.call("GET", "/v1/audit/consistency", { ...options, query: { from_size: fromSize, to_size: toSize } }),
    streamToken: (options: Call = {}): Promise<StreamToken> => this.call("POST", "/v1/audit/stream-tokens", { ...options, body: {} }),
    /** Live events (admin) as an async iterable that reconnects and resumes after the last seq on a dropped connection. */
    stream: (options: StreamOptions = {}): AsyncGenerator<AuditEvent> => {
      const webSocket = this.webSocket;
      if (!webSocket) {
        throw new TypeError("no WebSocket: pass `webSocket` (e.g. from the `ws` package) or run Node 22+ (Node 20: --experimental-websocket)");
      }
      return auditStream(
        {
          webSocket,
          streamUrl: (query) => this.http.url("/v1/audit/stream", query).replace(/^http/, "ws"),
          token: async () => (await this.audit.streamToken()).token,
          currentSize: async () => (await this.audit.checkpoint()).tree_size,
        },
        options,
      );
    },
    /**
     * Proves that `event` is in the log signed by a key you trust: verifies the event's own hashes, a fresh
     * checkpoint's signature, and the inclusion proof from the hash computed here to the signed root.
     * Returns the verified checkpoint (keep it, to check later that the log only grew: `verifyGrowth`).
     */
    verifyEventIncluded: async (event: AuditEvent, trustedPublicKey: string): Promise<Checkpoint> => {
      const leaf = await verifyEvent(event);
      const checkpoint = await this.audit.checkpoint();
      await verifyCheckpoint(checkpoint, trustedPublicKey);
      const proof = await this.audit.inclusionProof(event.seq, checkpoint.tree_size);
      if (proof.tree_size !== checkpoint.tree_size || proof.leaf_index !== event.seq - 1) {
        throw new VerificationError("inclusion proof: not for this event and checkpoint");
      }
      await verifyInclusion(proof, leaf, checkpoint.root_hash);
      return checkpoint;
    },
    /** Proves that the log signed now extends the one of a checkpoint kept earlier; returns the new checkpoint. */
    verifyGrowth: async (kept: Checkpoint, trustedPublicKey: string): Promise<Checkpoint> => {
      await verifyCheckpoint(kept, trustedPublicKey);
      const now = await this.audit.checkpoint();
      await verifyCheckpoint(now, trustedPublicKey);
      const proof = await this.audit.consistencyProof(kept.tree_size, now.tree_size);
      await verifyConsistency(proof, kept.root_hash, now.root_hash);
      return now;
    },
  };
}

export class Dialogues {
  constructor(
    private readonly http: Http,
    private readonly base: string,
  ) {}

  private async call<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
    return (await this.http.request<T>(method, this.base + path, options)).data;
  }

  create(input: DialogueInput = {}, options: Call = {}): Promise<Dialogue> {
    return this.call("POST", "/dialogues", { ...options, body: input });
  }

  /** Get-or-create by the application's own key (`PUT …/dialogues/by-key/{key}`): the input is used only when created. */
  async ensure(key: string, input: Omit<DialogueInput, "key"> = {}, options: Call = {}): Promise<{ dialogue: Dialogue; created: boolean }> {
    const response = await this.http.request<Dialogue>("PUT", `${this.base}/dialogues/by-key/${seg(key)}`, { ...options, body: input });
    return { dialogue: response.data, created: response.status === 201 };
  }

  /** The dialogue holding `key`, or null. */
  async byKey(key: string, options: Call = {}): Promise<Dialogue | null> {
    try {
      return await this.call<Dialogue>("GET", `/dialogues/by-key/${seg(key)}`, options);
    } catch (error) {
      if ((error as { code?: string }).code === "NOT_FOUND") return null;
      throw error;
    }
  }

  get(id: string, options: Call = {}): Promise<Dialogue> {
    return this.call("GET", `/dialogues/${seg(id)}`, options);
  }

  update(id: string, changes: DialogueChanges, options: Call = {}): Promise<Dialogue> {
    return this.call("PATCH", `/dialogues/${seg(id)}`, { ...options, body: changes });
  }

  delete(id: string, options: Call = {}): Promise<void> {
    return this.call("DELETE", `/dialogues/${seg(id)}`, options);
  }

  restore(id: string, options: Call = {}): Promise<Dialogue> {
    return this.call("POST", `/dialogues/${seg(id)}/restore`, { ...options, body: {} });
  }

  /** One page (newest first). */
  page(options: PageOptions & { tag?: string } = {}): Promise<Page<Dialogue>> {
    return this.call("GET", "/dialogues", { query: { limit: options.limit, cursor: options.cursor, tag: options.tag }, signal: options.signal });
  }

  /** Every dialogue, page after page. */
  list(options: PageOptions & { tag?: string } = {}): AsyncGenerator<Dialogue> {
    return paginate((cursor) => this.page({ ...options, cursor }), options.cursor);
  }

  append(dialogueId: string, message: MessageInput, options: Call = {}): Promise<Message> {
    return this.call("POST", `/dialogues/${seg(dialogueId)}/messages`, { ...options, body: message });
  }

  /** Appends 1..100 messages atomically, in order. */
  async appendMany(dialogueId: string, messages: MessageInput[], options: Call = {}): Promise<Message[]> {
    return (await this.call<Page<Message>>("POST", `/dialogues/${seg(dialogueId)}/messages`, { ...options, body: { messages } })).data;
  }

  /** One page of messages in ascending seq. */
  messagesPage(dialogueId: string, options: PageOptions & { afterSeq?: number } = {}): Promise<Page<Message>> {
    return this.call("GET", `/dialogues/${seg(dialogueId)}/messages`, {
      query: { limit: options.limit, cursor: options.cursor, after_seq: options.afterSeq },
      signal: options.signal,
    });
  }

  /** Every message of the dialogue in ascending seq, page after page. */
  messages(dialogueId: string, options: PageOptions & { afterSeq?: number } = {}): AsyncGenerator<Message> {
    return paginate((cursor) => this.messagesPage(dialogueId, { ...options, cursor }), options.cursor);
  }

  message(dialogueId: string, messageId: string, options: Call = {}): Promise<Message> {
    return this.call("GET", `/dialogues/${seg(dialogueId)}/messages/${seg(messageId)}`, options);
  }

  deleteMessage(dialogueId: string, messageId: string, options: Call = {}): Promise<void> {
    return this.call("DELETE", `/dialogues/${seg(dialogueId)}/messages/${seg(messageId)}`, options);
  }
}

export class Memories {
  constructor(
    private readonly http: Http,
    private readonly base: string,
  ) {}

  private async call<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
    return (await this.http.request<T>(method, this.base + path, options)).data;
  }

  create(input: MemoryInput, options: Call = {}): Promise<Memory> {
    return this.call("POST", "/memories", { ...options, body: input });
  }

  get(id: string, options: Call = {}): Promise<Memory> {
    return this.call("GET", `/memories/${seg(id)}`, options);
  }

  update(id: string, changes: MemoryChanges, options: Call = {}): Promise<Memory> {
    return this.call("PATCH", `/memories/${seg(id)}`, { ...options, body: changes });
  }

  delete(id: string, options: Call = {}): Promise<void> {
    return this.call("DELETE", `/memories/${seg(id)}`, options);
  }

  page(options: PageOptions & { kind?: "short_term" | "long_term" } = {}): Promise<Page<Memory>> {
    return this.call("GET", "/memories", { query: { limit: options.limit, cursor: options.cursor, kind: options.kind }, signal: options.signal });
  }

  list(options: PageOptions & { kind?: "short_term" | "long_term" } = {}): AsyncGenerator<Memory> {
    return paginate((cursor) => this.page({ ...options, cursor }), options.cursor);
  }
}
