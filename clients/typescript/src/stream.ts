import { ColloquyError } from "./errors.js";
import { sleep } from "./http.js";
import type { AuditEvent } from "./types.js";

/** The part of the WHATWG WebSocket API the stream uses (Node 22+, browsers, `ws`, Node 20 with `--experimental-websocket`). */
export interface WebSocketLike {
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  addEventListener(type: "close", listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: "error", listener: (event: unknown) => void): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface StreamOptions {
  /** Start after this seq (resume). Without it the stream starts at the log's current size. */
  afterSeq?: number;
  namespace?: string;
  entityType?: string;
  signal?: AbortSignal;
  /** Reconnections in a row without receiving an event before giving up (default 5). */
  maxReconnects?: number;
  /** Called when a connection dropped and the stream reconnects after `seq`. */
  onReconnect?: (afterSeq: number) => void;
}

export interface StreamDeps {
  webSocket: WebSocketConstructor;
  streamUrl: (query: Record<string, string>) => string;
  token: () => Promise<string>;
  currentSize: () => Promise<number>;
}

type Next = { event: AuditEvent } | { closed: { code: number; reason: string } };

/**
 * The audit stream as an async iterable. Each connection authenticates with a fresh single-use stream token
 * (`?token=`, so no header is needed and any WebSocket implementation works); when a connection drops it
 * reconnects with `after_seq` = the last seq it yielded, so the iteration has no gap and no duplicate. A close
 * with 1008 (the key was revoked, expired, lost its capability) ends the iteration with a ColloquyError.
 */
export async function* auditStream(deps: StreamDeps, options: StreamOptions = {}): AsyncGenerator<AuditEvent> {
  let last = options.afterSeq ?? (await deps.currentSize());
  const maxReconnects = options.maxReconnects ?? 5;
  let failures = 0;
  while (true) {
    options.signal?.throwIfAborted();
    const query: Record<string, string> = { after_seq: String(last), token: await deps.token() };
    if (options.namespace) query.namespace = options.namespace;
    if (options.entityType) query.entity_type = options.entityType;
    const socket = new deps.webSocket(deps.streamUrl(query));
    const queue: Next[] = [];
    let wake: (() => void) | undefined;
    const push = (next: Next) => {
      queue.push(next);
      wake?.();
    };
    socket.addEventListener("message", (message) => {
      if (typeof message.data === "string") push({ event: JSON.parse(message.data) as AuditEvent });
    });
    socket.addEventListener("close", (close) => push({ closed: { code: close.code, reason: close.reason } }));
    // some implementations (Node 20's) fire only "error" when the handshake fails: the connection is over either way
    socket.addEventListener("error", () => push({ closed: { code: 1006, reason: "connection failed" } }));
    const abort = () => socket.close(1000, "client done");
    options.signal?.addEventListener("abort", abort, { once: true });
    try {
      while (true) {
        if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        const next = queue.shift()!;
        if ("event" in next) {
          if (next.event.seq <= last) continue; // never twice
          last = next.event.seq;
          failures = 0;
          yield next.event;
          continue;
        }
        options.signal?.throwIfAborted();
        if (next.closed.code === 1008) {
          throw new ColloquyError({
            status: 401,
            code: "UNAUTHENTICATED",
            type: "authentication",
            message: `audit stream closed: ${next.closed.reason || "credential no longer valid"}`,
          });
        }
        break;
      }
    } finally {
      options.signal?.removeEventListener("abort", abort);
      socket.close(1000, "client done");
    }
    if (++failures > maxReconnects) {
      throw new ColloquyError({ status: 0, code: "STREAM_LOST", message: `audit stream: ${maxReconnects} reconnections failed` });
    }
    options.onReconnect?.(last);
    await sleep(Math.random() * Math.min(5_000, 100 * 2 ** failures), options.signal);
  }
}
