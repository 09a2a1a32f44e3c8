import type { ErrorCode, FieldProblem } from "./types.js";

/** A contract error: the server's `{"error": {...}}` body with the HTTP status and the request id. */
export class ColloquyError extends Error {
  readonly status: number;
  readonly code: ErrorCode | string;
  readonly type: string;
  readonly requestId: string | undefined;
  readonly fields: FieldProblem[];
  /** Seconds from `Retry-After`, when the server sent it. */
  readonly retryAfter: number | undefined;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    type?: string;
    requestId?: string | undefined;
    fields?: FieldProblem[];
    retryAfter?: number | undefined;
  }) {
    super(init.message);
    this.name = "ColloquyError";
    this.status = init.status;
    this.code = init.code;
    this.type = init.type ?? "api_error";
    this.requestId = init.requestId;
    this.fields = init.fields ?? [];
    this.retryAfter = init.retryAfter;
  }
}

/** A connection failed or timed out before any answer arrived (after the retries the request was allowed). */
export class ColloquyConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ColloquyConnectionError";
  }
}

/** Something the server sent does not verify: a signature, a proof, a hash. Never retried. */
export class VerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VerificationError";
  }
}
