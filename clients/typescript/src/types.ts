import type { components } from "./generated/openapi.js";

/** Any JSON value, as metadata and audit event data hold them. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * The OpenAPI document describes free-form objects (metadata, event data, receipts) as objects without
 * properties, which the generator turns into `Record<string, never>`; here they are what they are: JSON objects.
 */
type Open<T> = T extends Record<string, never>
  ? JsonObject
  : T extends (infer E)[]
    ? Open<E>[]
    : T extends object
      ? { [K in keyof T]: Open<T[K]> }
      : T;

type Schemas = components["schemas"];

export type Dialogue = Open<Schemas["DialogueView"]>;
export type Message = Open<Schemas["MessageView"]>;
export type Memory = Open<Schemas["MemoryView"]>;
export type Project = Open<Schemas["ProjectView"]>;
export type ApiKey = Open<Schemas["KeyView"]>;
export type CreatedProject = Open<Schemas["CreatedProjectView"]>;
export type SearchHit = Open<Schemas["HitView"]>;
export type AuditEvent = Open<Schemas["View"]>;
export type Checkpoint = Open<Schemas["CheckpointView"]>;
export type InclusionProof = Open<Schemas["InclusionView"]>;
export type ConsistencyProof = Open<Schemas["ConsistencyView"]>;
export type PublicKey = Open<Schemas["PublicKeyView"]>;
export type DeletionReceipt = Open<Schemas["ReceiptView"]>;
export type ExportLink = Open<Schemas["ExportLink"]>;
export type StreamToken = Open<Schemas["StreamTokenView"]>;
export type ErrorCode = Schemas["ErrorDetail"]["code"];
export type FieldProblem = Schemas["FieldProblem"];

export type Role = "user" | "assistant" | "system" | "tool";

export interface MessageInput {
  role: Role;
  content: string;
  metadata?: JsonObject;
}

export interface DialogueInput {
  key?: string;
  title?: string;
  metadata?: JsonObject;
  tags?: string[];
}

export interface DialogueChanges {
  title?: string | null;
  metadata?: JsonObject | null;
  tags?: string[] | null;
  legal_hold?: boolean;
}

export interface MemoryInput {
  content: string;
  kind?: "short_term" | "long_term";
  metadata?: JsonObject;
  expires_at?: string;
}

export interface MemoryChanges {
  content?: string;
  kind?: "short_term" | "long_term";
  metadata?: JsonObject | null;
  expires_at?: string | null;
}

export interface Page<T> {
  data: T[];
  next_cursor?: string | null;
}
