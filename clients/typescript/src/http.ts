import { ColloquyConnectionError, ColloquyError } from "./errors.js";

export interface RetryOptions {
  /** Attempts after the first one (default 3). 0 turns retries off. */
  maxRetries?: number;
  /** First back-off in milliseconds (default 250), doubled per attempt, with full jitter. */
  baseDelayMs?: number;
  /** Ceiling of one back-off in milliseconds (default 8000). */
  maxDelayMs?: number;
  /** A `Retry-After` longer than this (seconds, default 60) is not waited for: the error is thrown. */
  maxRetryAfterSeconds?: number;
}

export interface ClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8080` (without `/v1`). */
  baseUrl: string;
  /** An API key (`cq_key_…`), or the operator token for `projects.create`. */
  apiKey: string;
  /** Per-attempt timeout in milliseconds (default 30000). */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** Another fetch (default: the global one). */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined | null>;
  body?: unknown;
  /** For POST: the key to use instead of a generated one (the same key makes a retry safe). */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface Response<T> {
  data: T;
  status: number;
  requestId: string | undefined;
  /** True when the server answered a POST from its idempotency store (`Idempotent-Replayed: true`). */
  replayed: boolean;
}

const RETRIED_STATUSES = new Set([429, 503]);

/** Methods whose retry after a lost answer cannot apply a change twice (POST is, with its Idempotency-Key). */
const REPEATABLE = new Set(["GET", "HEAD", "PUT", "DELETE", "POST"]);

export class Http {
  readonly baseUrl: string;
  /** A true private field: the key never shows in JSON.stringify, inspection or logs of the client. */
  readonly #apiKey: string;
  private readonly timeoutMs: number;
  private readonly retry: Required<RetryOptions>;
  private readonly fetchFn: typeof fetch;

  constructor(options: ClientOptions) {
    if (!options.baseUrl) throw new TypeError("baseUrl is required");
    if (!options.apiKey) throw new TypeError("apiKey is required");
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retry = {
      maxRetries: options.retry?.maxRetries ?? 3,
      baseDelayMs: options.retry?.baseDelayMs ?? 250,
      maxDelayMs: options.retry?.maxDelayMs ?? 8_000,
      maxRetryAfterSeconds: options.retry?.maxRetryAfterSeconds ?? 60,
    };
    this.fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  url(path: string, query?: RequestOptions["query"]): string {
    const url = new URL(this.baseUrl + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<Response<T>> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#apiKey}`,
      accept: "application/json",
    };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    if (method === "POST") headers["idempotency-key"] = options.idempotencyKey ?? crypto.randomUUID();
    const url = this.url(path, options.query);
    for (let attempt = 0; ; attempt++) {
      const lastAttempt = attempt >= this.retry.maxRetries;
      let response: globalThis.Response;
      try {
        const signals = [AbortSignal.timeout(this.timeoutMs)];
        if (options.signal) signals.push(options.signal);
        response = await this.fetchFn(url, { method, headers, body, signal: AbortSignal.any(signals) });
      } catch (cause) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (lastAttempt || !REPEATABLE.has(method)) {
          throw new ColloquyConnectionError(`${method} ${path}: no answer (${describe(cause)})`, { cause });
        }
        await sleep(this.backoff(attempt), options.signal);
        continue;
      }
      if (response.ok) {
        const text = await response.text();
        return {
          data: (text ? JSON.parse(text) : undefined) as T,
          status: response.status,
          requestId: response.headers.get("x-request-id") ?? undefined,
          replayed: response.headers.get("idempotent-replayed") === "true",
        };
      }
      const error = await toError(response);
      const retryable =
        RETRIED_STATUSES.has(response.status) && error.code !== "PLAN_LIMIT_EXCEEDED" && !lastAttempt;
      if (!retryable || (error.retryAfter ?? 0) > this.retry.maxRetryAfterSeconds) throw error;
      const wait = error.retryAfter !== undefined ? error.retryAfter * 1000 + Math.random() * 250 : this.backoff(attempt);
      await sleep(wait, options.signal);
    }
  }

  /** Full jitter: a random wait up to base·2^attempt, capped. */
  private backoff(attempt: number): number {
    return Math.random() * Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
  }
}

async function toError(response: globalThis.Response): Promise<ColloquyError> {
  const requestId = response.headers.get("x-request-id") ?? undefined;
  const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
  let detail: Record<string, unknown> | undefined;
  try {
    detail = ((await response.json()) as { error?: Record<string, unknown> }).error;
  } catch {
    detail = undefined;
  }
  return new ColloquyError({
    status: response.status,
    code: typeof detail?.code === "string" ? detail.code : `HTTP_${response.status}`,
    message: typeof detail?.message === "string" ? detail.message : response.statusText || `HTTP ${response.status}`,
    type: typeof detail?.type === "string" ? detail.type : undefined,
    requestId: typeof detail?.request_id === "string" ? detail.request_id : requestId,
    fields: Array.isArray(detail?.fields) ? (detail.fields as ColloquyError["fields"]) : [],
    retryAfter,
  });
}

/** `Retry-After` as seconds: delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as { cause?: unknown }).cause;
    return inner instanceof Error ? `${cause.message}: ${inner.message}` : cause.message;
  }
  return String(cause);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
