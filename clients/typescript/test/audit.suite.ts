import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Colloquy, ColloquyError, VerificationError, verifyConsistency, verifyInclusion, type AuditEvent } from "../src/index.js";
import { collect, CuttableProxy, eventually, type RunningServer } from "./server.js";

function flipHex(hex: string): string {
  return (hex[0] === "0" ? "1" : "0") + hex.slice(1);
}

export function auditSuite(server: () => RunningServer): void {
  describe("audit", () => {
    it("proves an event is in the signed log, and refuses a tampered proof, event or signature", async () => {
      const { client } = await server().newProject();
      const dialogue = await client.dialogues("ns").create({ title: "audited", metadata: { n: 1.5, tags: ["x"] } });
      await client.dialogues("ns").append(dialogue.id, { role: "user", content: "hello" });
      const publicKey = (await client.audit.publicKey()).public_key;
      const events = await eventually("the message's event", async () => {
        const all = await collect(client.audit.events({ limit: 2 }));
        return all.some((e) => e.entity_type === "message") ? all : undefined;
      });
      const message = events.find((e) => e.entity_type === "message")!;

      const kept = await client.audit.verifyEventIncluded(message, publicKey);
      assert.ok(kept.tree_size >= message.seq);

      const proof = await client.audit.inclusionProof(message.seq, kept.tree_size);
      assert.ok(proof.proof.length > 0);
      await verifyInclusion(proof, message.leaf_hash, kept.root_hash);
      const tampered = { ...proof, proof: [flipHex(proof.proof[0]!), ...proof.proof.slice(1)] };
      await assert.rejects(verifyInclusion(tampered, message.leaf_hash, kept.root_hash), VerificationError);
      await assert.rejects(verifyInclusion({ ...proof, leaf_index: proof.leaf_index ^ 1 }, message.leaf_hash, kept.root_hash), VerificationError);

      const forged: AuditEvent = { ...message, data: { ...message.data, content: "goodbye" } };
      await assert.rejects(client.audit.verifyEventIncluded(forged, publicKey), VerificationError);
      const moved: AuditEvent = { ...message, namespace: "elsewhere" };
      await assert.rejects(client.audit.verifyEventIncluded(moved, publicKey), VerificationError);

      const { publicKey: otherPublic } = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]) as CryptoKeyPair;
      const wrongKey = Buffer.from(await crypto.subtle.exportKey("raw", otherPublic)).toString("base64");
      await assert.rejects(client.audit.verifyEventIncluded(message, wrongKey), VerificationError);

      // the log grows; the kept checkpoint's tree is a prefix of the new one
      await client.dialogues("ns").append(dialogue.id, { role: "assistant", content: "hi" });
      const grown = await eventually("a larger tree", async () => {
        const now = await client.audit.checkpoint();
        return now.tree_size > kept.tree_size ? now : undefined;
      });
      const now = await client.audit.verifyGrowth(kept, publicKey);
      assert.ok(now.tree_size >= grown.tree_size);
      const consistency = await client.audit.consistencyProof(kept.tree_size, now.tree_size);
      await verifyConsistency(consistency, kept.root_hash, now.root_hash);
      const bad = { ...consistency, proof: consistency.proof.map((h, i) => (i === consistency.proof.length - 1 ? flipHex(h) : h)) };
      await assert.rejects(verifyConsistency(bad, kept.root_hash, now.root_hash), VerificationError);
      await assert.rejects(verifyConsistency(consistency, flipHex(kept.root_hash), now.root_hash), VerificationError);
      await assert.rejects(client.audit.verifyGrowth({ ...kept, root_hash: flipHex(kept.root_hash) }, publicKey), VerificationError);
    });

    it("resumes the audit stream after a dropped connection without a gap or a duplicate", async () => {
      const { adminKey, client: direct } = await server().newProject();
      const proxy = await new CuttableProxy(server().port).start();
      const abort = new AbortController();
      try {
        const client = new Colloquy({ baseUrl: proxy.baseUrl, apiKey: adminKey });
        const dialogues = direct.dialogues("streamed");
        const dialogue = await dialogues.create();
        const seen: number[] = [];
        const reconnects: number[] = [];
        let failure: unknown;
        const reading = (async () => {
          for await (const event of client.audit.stream({ afterSeq: 0, signal: abort.signal, onReconnect: (s) => reconnects.push(s) })) {
            seen.push(event.seq);
          }
        })().catch((e: unknown) => {
          if (!abort.signal.aborted) failure = e;
        });
        await eventually("the first events", async () => seen.length >= 3);
        proxy.dropAll();
        for (let i = 0; i < 5; i++) await dialogues.append(dialogue.id, { role: "user", content: `after drop ${i}` });
        proxy.dropAll();
        await dialogues.append(dialogue.id, { role: "user", content: "last" });
        const size = await eventually("every event sequenced", async () => {
          const checkpoint = await direct.audit.checkpoint();
          return checkpoint.tree_size >= 9 ? checkpoint.tree_size : undefined; // project, key, dialogue, 6 messages
        });
        await eventually("every event streamed", async () => seen.length >= size).catch((e: Error) => {
          throw new Error(`${e.message}: size ${size}, seen ${seen.join(",")}, reconnects ${reconnects.join(",")}, failure ${String(failure)}`);
        });
        assert.ok(reconnects.length >= 1, "the connection was dropped and the stream reconnected");
        assert.deepEqual(seen, Array.from({ length: seen.length }, (_, i) => i + 1));
        abort.abort();
        await reading;
        assert.equal(failure, undefined);
      } finally {
        abort.abort();
        await proxy.close();
      }
    });

    it("ends the stream with UNAUTHENTICATED once its key is revoked", async () => {
      const { client: admin, adminKey: _ } = await server().newProject();
      const second = await admin.keys.create({ capabilities: ["admin"] });
      const client = new Colloquy({ baseUrl: server().baseUrl, apiKey: second.key! });
      const iterator = client.audit.stream({ afterSeq: 0 });
      const first = await iterator.next();
      assert.equal(first.done, false);
      await admin.keys.revoke(second.id);
      const error = await (async () => {
        for await (const _event of iterator) {
          // drain until the server closes the stream
        }
      })().catch((e: unknown) => e);
      assert.ok(error instanceof ColloquyError);
      assert.equal(error.code, "UNAUTHENTICATED");
    });
  });
}
