import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Colloquy, ColloquyError } from "../src/index.js";
import { collect, CuttableProxy, type RunningServer } from "./server.js";

export function clientSuite(server: () => RunningServer): void {
  describe("client", () => {
    it("another project's key sees nothing of a project: 404 exactly like a random id, empty lists", async () => {
      const alice = await server().newProject();
      const mallory = await server().newProject();
      const dialogue = await alice.client.dialogues("shared").create({ key: "conv-1", title: "secret" });
      await alice.client.dialogues("shared").append(dialogue.id, { role: "user", content: "the secret" });

      const theirs = mallory.client.dialogues("shared");
      const stolen = await theirs.get(dialogue.id).catch((e: unknown) => e);
      const random = await theirs.get("dlg_00000000000000000000000000000000").catch((e: unknown) => e);
      assert.ok(stolen instanceof ColloquyError && random instanceof ColloquyError);
      assert.equal(stolen.status, 404);
      assert.equal(stolen.code, "NOT_FOUND");
      assert.equal(stolen.message, random.message);
      assert.match(stolen.requestId ?? "", /^req_/);
      assert.equal(await theirs.byKey("conv-1"), null);
      assert.deepEqual(await collect(theirs.list()), []);
      assert.deepEqual(await mallory.client.search("shared", "secret"), []);
      // and the same key in the other project is its own dialogue, not the first one
      const own = await theirs.ensure("conv-1");
      assert.equal(own.created, true);
      assert.notEqual(own.dialogue.id, dialogue.id);
    });

    it("turns a contract error into a ColloquyError with code, status, request id and fields, and does not retry a 4xx", async () => {
      const { adminKey } = await server().newProject();
      let requests = 0;
      const counted: typeof fetch = (input, init) => {
        requests++;
        return fetch(input, init);
      };
      const client = new Colloquy({ baseUrl: server().baseUrl, apiKey: adminKey, fetch: counted, retry: { baseDelayMs: 10 } });
      const error = await client.dialogues("ns").create({ key: "has space" }).catch((e: unknown) => e);
      assert.ok(error instanceof ColloquyError);
      assert.equal(error.status, 400);
      assert.equal(error.code, "VALIDATION_FAILED");
      assert.equal(error.type, "invalid_request");
      assert.deepEqual(error.fields.map((f) => f.field), ["key"]);
      assert.match(error.requestId ?? "", /^req_/);
      await client.dialogues("ns").create({ key: "k" });
      const conflict = await client.dialogues("ns").create({ key: "k" }).catch((e: unknown) => e);
      assert.ok(conflict instanceof ColloquyError);
      assert.equal(conflict.code, "ALREADY_EXISTS");
      assert.equal(conflict.status, 409);
      const missing = await client.dialogues("ns").get("dlg_missing").catch((e: unknown) => e);
      assert.equal((missing as ColloquyError).status, 404);
      assert.equal(requests, 4, "each request sent once: a 4xx is not retried");
    });

    it("retries a POST whose answer was lost with the same Idempotency-Key: the server replays it, nothing is stored twice", async () => {
      const { adminKey, client: direct } = await server().newProject();
      const proxy = await new CuttableProxy(server().port).start();
      try {
        const client = new Colloquy({ baseUrl: proxy.baseUrl, apiKey: adminKey, retry: { baseDelayMs: 10 } });
        const dialogue = await client.dialogues("ns").create({ title: "retried" });
        proxy.loseNextAnswer();
        const response = await client.http.request<{ id: string; seq: number }>(
          "POST",
          `/v1/namespaces/ns/dialogues/${dialogue.id}/messages`,
          { body: { role: "user", content: "only once" } },
        );
        assert.equal(response.status, 201);
        assert.equal(response.replayed, true, "the retry was answered from the idempotency store");
        const messages = await collect(direct.dialogues("ns").messages(dialogue.id));
        assert.deepEqual(messages.map((m) => [m.seq, m.content]), [[1, "only once"]]);
        assert.equal(messages[0]!.id, response.data.id);
      } finally {
        await proxy.close();
      }
    });

    it("does not resend a PATCH whose answer was lost (it carries no idempotency key)", async () => {
      const { adminKey } = await server().newProject();
      const proxy = await new CuttableProxy(server().port).start();
      try {
        const client = new Colloquy({ baseUrl: proxy.baseUrl, apiKey: adminKey, retry: { baseDelayMs: 10 } });
        const dialogue = await client.dialogues("ns").create({ title: "a" });
        proxy.loseNextAnswer();
        const error = await client.dialogues("ns").update(dialogue.id, { title: "b" }).catch((e: unknown) => e);
        assert.equal((error as Error).name, "ColloquyConnectionError");
      } finally {
        await proxy.close();
      }
    });

    it("waits out 429 RATE_LIMIT_EXCEEDED by its Retry-After and gets every answer; without retries the error carries retryAfter", async () => {
      const { adminKey } = await server().newProject("free"); // 5 requests/s, bursts of 10: 30 at once run out unless spread over 4 s
      const statuses: number[] = [];
      const observed: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        statuses.push(response.status);
        return response;
      };
      const patient = new Colloquy({ baseUrl: server().baseUrl, apiKey: adminKey, fetch: observed, retry: { maxRetries: 10 } });
      const started = Date.now();
      const answers = await Promise.all(Array.from({ length: 30 }, () => patient.project.get()));
      assert.equal(answers.length, 30);
      assert.ok(statuses.includes(429), `the bucket ran out (statuses ${statuses.join(",")})`);
      assert.equal(statuses.filter((s) => s === 200).length, 30);
      assert.ok(Date.now() - started >= 900, "the retries waited for the bucket to refill");

      const impatient = new Colloquy({ baseUrl: server().baseUrl, apiKey: adminKey, retry: { maxRetries: 0 } });
      const outcomes = await Promise.allSettled(Array.from({ length: 30 }, () => impatient.project.get()));
      const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as unknown] : []));
      assert.ok(refused.length > 0);
      for (const error of refused) {
        assert.ok(error instanceof ColloquyError);
        assert.equal(error.status, 429);
        assert.equal(error.code, "RATE_LIMIT_EXCEEDED");
        assert.ok(error.retryAfter !== undefined && error.retryAfter >= 1);
      }
    });

    it("iterates every page in order, without gaps or duplicates", async () => {
      const { client } = await server().newProject();
      const dialogues = client.dialogues("paged");
      const dialogue = await dialogues.create();
      const sent = Array.from({ length: 23 }, (_, i) => ({ role: "user" as const, content: `m${i + 1}` }));
      await dialogues.appendMany(dialogue.id, sent);
      const messages = await collect(dialogues.messages(dialogue.id, { limit: 5 }));
      assert.deepEqual(messages.map((m) => m.seq), Array.from({ length: 23 }, (_, i) => i + 1));
      assert.deepEqual(messages.map((m) => m.content), sent.map((m) => m.content));

      for (let i = 0; i < 7; i++) await dialogues.create({ title: `d${i}` });
      const listed = await collect(dialogues.list({ limit: 3 }));
      assert.equal(listed.length, 8);
      assert.equal(new Set(listed.map((d) => d.id)).size, 8);
    });

    it("never shows its API key when serialized or inspected", async () => {
      const { adminKey, client } = await server().newProject();
      const { inspect } = await import("node:util");
      assert.ok(!JSON.stringify(client).includes(adminKey));
      assert.ok(!inspect(client, { depth: 10 }).includes(adminKey));
    });

    it("gets or creates a dialogue by the application's key", async () => {
      const { client } = await server().newProject();
      const first = await client.dialogues("ns").ensure("session-42", { title: "first" });
      const second = await client.dialogues("ns").ensure("session-42", { title: "ignored" });
      assert.equal(first.created, true);
      assert.equal(second.created, false);
      assert.equal(second.dialogue.id, first.dialogue.id);
      assert.equal(second.dialogue.title, "first");
      assert.equal((await client.dialogues("ns").byKey("session-42"))?.id, first.dialogue.id);
    });
  });
}
