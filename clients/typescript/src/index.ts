export { Colloquy, Dialogues, Memories, type ColloquyOptions, type PageOptions } from "./client.js";
export { ColloquyError, ColloquyConnectionError, VerificationError } from "./errors.js";
export { parseRetryAfter, type ClientOptions, type RetryOptions, type RequestOptions } from "./http.js";
export type { StreamOptions, WebSocketConstructor, WebSocketLike } from "./stream.js";
export {
  canonicalJson,
  eventDataHash,
  eventLeafHash,
  verifyCheckpoint,
  verifyConsistency,
  verifyEvent,
  verifyInclusion,
} from "./verify.js";
export type * from "./types.js";
export type { paths, components } from "./generated/openapi.js";
