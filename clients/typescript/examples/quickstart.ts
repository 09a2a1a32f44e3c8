/**
 * The client in a few lines: a conversation by your own id, its messages page by page, an error's code, and the
 * proof that an audit event is in the log the server signed.
 *
 *   COLLOQUY_URL=http://127.0.0.1:8080 COLLOQUY_API_KEY=cq_key_… npx tsx examples/quickstart.ts
 */
import { Colloquy, ColloquyError } from "@colloquy/client";

const client = new Colloquy({
  baseUrl: process.env.COLLOQUY_URL ?? "http://127.0.0.1:8080",
  apiKey: process.env.COLLOQUY_API_KEY ?? "",
});

const dialogues = client.dialogues("user-123");
const { dialogue } = await dialogues.ensure("support-ticket-42", { title: "Printer on fire" });
await dialogues.appendMany(dialogue.id, [
  { role: "user", content: "My printer is on fire." },
  { role: "assistant", content: "Please step away from the printer." },
]);
for await (const message of dialogues.messages(dialogue.id)) console.log(message.seq, message.role, message.content);

try {
  await dialogues.get("dlg_does_not_exist");
} catch (error) {
  if (error instanceof ColloquyError) console.log(error.status, error.code, error.requestId);
}

// admin keys: check that the last event is in the log signed by the key you pinned
const pinned = (await client.audit.publicKey()).public_key; // pin this once, out of band
let last;
for await (const event of client.audit.events({ afterSeq: 0 })) last = event;
if (last) {
  const checkpoint = await client.audit.verifyEventIncluded(last, pinned);
  console.log(`event ${last.seq} is in the signed log of ${checkpoint.tree_size} events`);
}
