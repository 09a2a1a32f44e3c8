/**
 * Client-side checks of the audit log, trusting nothing the server says about itself: RFC 8785 canonical
 * JSON, the event hashes of docs/audit.md, RFC 9162 inclusion (2.1.3.2) and consistency (2.1.4.2) proofs,
 * and the Ed25519 signature of a checkpoint (WebCrypto).
 */
import { VerificationError } from "./errors.js";
import type { AuditEvent, Checkpoint, ConsistencyProof, InclusionProof, JsonValue } from "./types.js";

const subtle = globalThis.crypto.subtle;

/** RFC 8785 (JCS): sorted members (UTF-16 code units), no whitespace, ECMAScript number and string forms. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("JCS cannot encode a non-finite number");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const members = Object.keys(value as object)
      .filter((name) => (value as Record<string, unknown>)[name] !== undefined)
      .sort()
      .map((name) => `${JSON.stringify(name)}:${canonicalJson((value as Record<string, unknown>)[name])}`);
    return `{${members.join(",")}}`;
  }
  throw new TypeError(`JCS cannot encode ${typeof value}`);
}

export function hexToBytes(hex: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new VerificationError(`not hex: ${hex.slice(0, 16)}…`);
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function bytesToBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return new Uint8Array(await subtle.digest("SHA-256", all));
}

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);
const utf8 = new TextEncoder();

function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(NODE, left, right);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** `SHA-256(salt || JCS(data))` (no salt before V23), or null for an event without data. */
export async function eventDataHash(event: Pick<AuditEvent, "data" | "data_salt">): Promise<string | null> {
  if (event.data === null || event.data === undefined) return null;
  const salt = event.data_salt ? hexToBytes(event.data_salt) : new Uint8Array();
  return bytesToHex(await sha256(salt, utf8.encode(canonicalJson(event.data))));
}

/** The leaf hash of an event computed from its fields: `SHA-256(0x00 || JCS(event minus data, data_salt, leaf_hash))`. */
export async function eventLeafHash(event: AuditEvent): Promise<string> {
  const { data: _data, data_salt: _salt, leaf_hash: _leaf, ...envelope } = event as AuditEvent & Record<string, JsonValue>;
  return bytesToHex(await sha256(LEAF, utf8.encode(canonicalJson(envelope))));
}

/**
 * Checks an event's own hashes: its data (when present) against `data_hash`, its envelope against `leaf_hash`.
 * Returns the leaf hash it computed, to feed an inclusion proof with.
 */
export async function verifyEvent(event: AuditEvent): Promise<string> {
  if (event.data !== null && event.data !== undefined) {
    const dataHash = await eventDataHash(event);
    if (dataHash !== event.data_hash) throw new VerificationError(`event ${event.seq}: data does not match data_hash`);
  }
  const leaf = await eventLeafHash(event);
  if (leaf !== event.leaf_hash) throw new VerificationError(`event ${event.seq}: fields do not match leaf_hash`);
  return leaf;
}

/** RFC 9162 2.1.3.2: recomputes the root from a leaf hash and its audit path, or throws. */
export async function verifyInclusion(
  proof: Pick<InclusionProof, "leaf_index" | "tree_size" | "proof">,
  leafHashHex: string,
  rootHashHex: string,
): Promise<void> {
  const { leaf_index: index, tree_size: size } = proof;
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) {
    throw new VerificationError(`inclusion proof: leaf index ${index} is not inside a tree of ${size}`);
  }
  let fn = index;
  let sn = size - 1;
  let r = hexToBytes(leafHashHex);
  for (const hex of proof.proof) {
    const p = hexToBytes(hex);
    if (sn === 0) throw new VerificationError("inclusion proof: longer than the tree is deep");
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new VerificationError("inclusion proof: shorter than the tree is deep");
  if (!equal(r, hexToBytes(rootHashHex))) throw new VerificationError("inclusion proof: does not lead to the root");
}

/** RFC 9162 2.1.4.2: the tree of `from_size` (root `fromRoot`) is a prefix of the tree of `to_size` (root `toRoot`). */
export async function verifyConsistency(
  proof: Pick<ConsistencyProof, "from_size" | "to_size" | "proof">,
  fromRootHex: string,
  toRootHex: string,
): Promise<void> {
  const { from_size: first, to_size: second } = proof;
  if (!(Number.isSafeInteger(first) && Number.isSafeInteger(second) && first >= 0 && first <= second)) {
    throw new VerificationError(`consistency proof: sizes ${first} → ${second} are not a growth`);
  }
  if (first === second) {
    if (proof.proof.length !== 0 || fromRootHex !== toRootHex) {
      throw new VerificationError("consistency proof: equal sizes need equal roots and an empty proof");
    }
    return;
  }
  if (first === 0) {
    if (proof.proof.length !== 0) throw new VerificationError("consistency proof: from size 0 needs an empty proof");
    return;
  }
  if (proof.proof.length === 0) throw new VerificationError("consistency proof: empty");
  const path = proof.proof.map(hexToBytes);
  if ((first & (first - 1)) === 0) path.unshift(hexToBytes(fromRootHex));
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) throw new VerificationError("consistency proof: longer than the tree is deep");
    if (fn % 2 === 1 || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0 || !equal(fr, hexToBytes(fromRootHex)) || !equal(sr, hexToBytes(toRootHex))) {
    throw new VerificationError("consistency proof: does not lead to both roots");
  }
}

/**
 * Verifies a checkpoint with a public key you trust (raw 32 bytes, base64, as `GET /v1/audit/public-key`
 * shows it): the Ed25519 signature over `note`, and that `note` says what the checkpoint's fields say.
 */
export async function verifyCheckpoint(checkpoint: Checkpoint, publicKeyBase64: string): Promise<void> {
  const key = await subtle.importKey("raw", base64ToBytes(publicKeyBase64), { name: "Ed25519" }, false, ["verify"]);
  const signed = await subtle.verify(
    { name: "Ed25519" },
    key,
    base64ToBytes(checkpoint.signature),
    utf8.encode(checkpoint.note),
  );
  if (!signed) throw new VerificationError("checkpoint: the signature does not verify with the trusted key");
  const lines = checkpoint.note.split("\n");
  const [origin, size, root] = lines;
  if (
    origin !== checkpoint.origin ||
    size !== String(checkpoint.tree_size) ||
    root !== bytesToBase64(hexToBytes(checkpoint.root_hash)) ||
    !checkpoint.note.endsWith("\n")
  ) {
    throw new VerificationError("checkpoint: the signed note does not say what the checkpoint's fields say");
  }
}
