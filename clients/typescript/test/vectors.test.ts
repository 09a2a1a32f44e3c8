/**
 * The worked example of docs/audit.md (real output of a server), checked offline: the event's hashes, the
 * checkpoint's signature and the inclusion proof, and each of them refused once a byte changes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  canonicalJson,
  VerificationError,
  verifyCheckpoint,
  verifyEvent,
  verifyInclusion,
  type AuditEvent,
  type Checkpoint,
} from "../src/index.js";

const event = {
  seq: 4,
  id: "evt_01a20b205fed72589a5b18fe5f5b677c",
  at: "2026-11-24T01:16:40.813604Z",
  project_id: "prj_01a20b205e5b78c682115d59bd4dc738",
  namespace: "alice",
  entity_type: "message",
  entity_id: "msg_01a20b205fec75f4a1dc809cc71b7f15",
  action: "created",
  actor: { type: "api_key", id: "key_01a20b205ec37aec96979673d11facc9" },
  parent_id: null,
  idempotency_key: "hello-1",
  data: {
    id: "msg_01a20b205fec75f4a1dc809cc71b7f15",
    dialogue_id: "dlg_01a20b205f6e7ebfbba5a8caf76ce039",
    seq: 1,
    role: "user",
    content: "Hello!",
    metadata: {},
    created_at: "2026-11-24T01:16:40.810850Z",
  },
  data_salt: null,
  data_hash: "9bafb2759537b221f5cd6c36b8416791ad9480f3ca613aab3488b16ecb7ea5cf",
  leaf_hash: "64e6c84f84dc823c0fd305fa2e771f7422da36939cbb1eec41ef0f65b058c443",
} satisfies AuditEvent;

const publicKey = "YWCUAclK3/xWYeqUO4H564cO1iEIpSaJiKCcmdi6BtU=";
const checkpoint: Checkpoint = {
  tree_size: 5,
  root_hash: "29b1949ad3d9f17123b83a7f3e2cdb83caaea1156a8fac4e2d029409559cc6f5",
  timestamp: "2026-11-24T01:16:51.639926Z",
  key_id: "692c6eac",
  origin: "colloquy-audit/prj_01a20b205e5b78c682115d59bd4dc738",
  note: "colloquy-audit/prj_01a20b205e5b78c682115d59bd4dc738\n5\nKbGUmtPZ8XEjuDp/Pizbg8quoRVqj6xOLQKUCVWcxvU=\ntimestamp 2026-11-24T01:16:51.639926Z\n",
  signature: "wIEGAYXkVw6N20IzhxzxnQhjZrmhCvVuvLaF/uDKsx8a0eOC3P/zBLUqxWcRIztxgX4r+j1uBNhcpUqiEQJTCg==",
  signed_note: "",
};
const proof = {
  leaf_index: 3,
  tree_size: 5,
  proof: [
    "526d4d4a29ce58fb436f26a7c5cfa6daa2ada814b2739b7e8f7be7bd639b4b49",
    "e313d6a2a0444ddbcf94e5ca72202fb401beb0278dd62738d14495a5dcf1f8ea",
    "9fca2d1e815ab2d2ea95704077d7353122e5bbbef751d45e5aa27add79f82250",
  ],
};

describe("the worked example of docs/audit.md", () => {
  it("canonicalizes like RFC 8785: sorted members, no whitespace, ECMAScript numbers", () => {
    assert.equal(canonicalJson({ b: [1.5, 1e21, -0, "é\n"], a: null, "\u00e9": true, A: {} }), '{"A":{},"a":null,"b":[1.5,1e+21,0,"é\\n"],"é":true}');
  });

  it("recomputes the event's data and leaf hashes, and refuses a changed field", async () => {
    assert.equal(await verifyEvent(event), event.leaf_hash);
    await assert.rejects(verifyEvent({ ...event, data: { ...event.data, content: "Hello?" } }), VerificationError);
    await assert.rejects(verifyEvent({ ...event, seq: 5 }), VerificationError);
  });

  it("verifies the checkpoint's Ed25519 signature, and refuses another note, another key or fields the note does not say", async () => {
    await verifyCheckpoint(checkpoint, publicKey);
    await assert.rejects(verifyCheckpoint({ ...checkpoint, note: checkpoint.note.replace("\n5\n", "\n6\n") }, publicKey), VerificationError);
    await assert.rejects(verifyCheckpoint({ ...checkpoint, tree_size: 6 }, publicKey), VerificationError);
    await assert.rejects(verifyCheckpoint({ ...checkpoint, root_hash: "00".repeat(32) }, publicKey), VerificationError);
    const other = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const otherKey = Buffer.from(await crypto.subtle.exportKey("raw", other.publicKey)).toString("base64");
    await assert.rejects(verifyCheckpoint(checkpoint, otherKey), VerificationError);
  });

  it("walks the inclusion proof from the recomputed leaf to the signed root, and refuses a tampered one", async () => {
    await verifyInclusion(proof, await verifyEvent(event), checkpoint.root_hash);
    for (let i = 0; i < proof.proof.length; i++) {
      const tampered = proof.proof.map((h, j) => (j === i ? h.replace(/^./, (c) => (c === "0" ? "1" : "0")) : h));
      await assert.rejects(verifyInclusion({ ...proof, proof: tampered }, event.leaf_hash, checkpoint.root_hash), VerificationError);
    }
    await assert.rejects(verifyInclusion({ ...proof, proof: proof.proof.slice(0, 2) }, event.leaf_hash, checkpoint.root_hash), VerificationError);
    await assert.rejects(verifyInclusion({ ...proof, leaf_index: 2 }, event.leaf_hash, checkpoint.root_hash), VerificationError);
    await assert.rejects(verifyInclusion({ ...proof, leaf_index: 5 }, event.leaf_hash, checkpoint.root_hash), VerificationError);
  });
});
