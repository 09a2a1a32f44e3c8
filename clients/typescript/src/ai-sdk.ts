/**
 * Vercel AI SDK helpers: a Colloquy dialogue (found by your conversation id as its key) as `ModelMessage[]`
 * for `generateText`/`streamText`, and the messages of a finished generation (`onFinish`: the assistant's
 * text, tool calls, the tool results) appended to it. The role goes in the message's role, the text in its
 * content, and the message's full `content` (parts, tool calls and results, provider options) in its metadata
 * under `ai_sdk`, so that what is loaded is what was saved.
 */
import type { ModelMessage } from "ai";
import type { Colloquy } from "./client.js";
import type { JsonObject, Message, MessageInput } from "./types.js";

export interface ConversationRef {
  client: Colloquy;
  namespace: string;
  /** Your conversation id: the dialogue's key (`^[A-Za-z0-9._:@~+=-]{1,256}$`). */
  key: string;
}

function text(content: ModelMessage["content"]): string {
  if (typeof content === "string") return content;
  return content.map((part) => (part.type === "text" ? part.text : "")).join("");
}

function summary(message: ModelMessage): string {
  if (typeof message.content === "string") return `[${message.role} message]`;
  const calls = message.content.flatMap((p) => (p.type === "tool-call" ? [p.toolName] : []));
  if (calls.length) return `[tool calls: ${calls.join(", ")}]`;
  const results = message.content.flatMap((p) => (p.type === "tool-result" ? [p.toolName] : []));
  if (results.length) return `[tool results: ${results.join(", ")}]`;
  return `[${message.role} message]`;
}

export function toColloquyMessage(message: ModelMessage): MessageInput {
  const plain = text(message.content);
  const stored: JsonObject = {};
  if (typeof message.content !== "string") stored.content = JSON.parse(JSON.stringify(message.content)) as JsonObject;
  if (message.providerOptions) stored.providerOptions = JSON.parse(JSON.stringify(message.providerOptions)) as JsonObject;
  return {
    role: message.role,
    content: plain !== "" ? plain : summary(message),
    metadata: Object.keys(stored).length ? { ai_sdk: stored } : {},
  };
}

export function fromColloquyMessage(message: Message): ModelMessage {
  const stored = (message.metadata?.ai_sdk ?? {}) as { content?: unknown; providerOptions?: unknown };
  const content = stored.content ?? message.content;
  const restored = { role: message.role, content } as ModelMessage;
  if (stored.providerOptions) restored.providerOptions = stored.providerOptions as ModelMessage["providerOptions"];
  return restored;
}

/** The conversation as `ModelMessage[]` (empty when it does not exist yet). */
export async function loadModelMessages(ref: ConversationRef): Promise<ModelMessage[]> {
  const dialogue = await ref.client.dialogues(ref.namespace).byKey(ref.key);
  if (!dialogue) return [];
  const messages: ModelMessage[] = [];
  for await (const message of ref.client.dialogues(ref.namespace).messages(dialogue.id, { limit: 200 })) {
    messages.push(fromColloquyMessage(message));
  }
  return messages;
}

/** Appends messages (e.g. the user's prompt) to the conversation, creating it on first use; atomic per 100. */
export async function saveModelMessages(ref: ConversationRef, messages: ModelMessage[]): Promise<Message[]> {
  if (messages.length === 0) return [];
  const dialogues = ref.client.dialogues(ref.namespace);
  const { dialogue } = await dialogues.ensure(ref.key);
  const inputs = messages.map(toColloquyMessage);
  const saved: Message[] = [];
  for (let i = 0; i < inputs.length; i += 100) saved.push(...(await dialogues.appendMany(dialogue.id, inputs.slice(i, i + 100))));
  return saved;
}

/**
 * An `onFinish` callback for `generateText`/`streamText`: appends the response's messages (assistant turns
 * with their tool calls, and the tool results) to the conversation.
 */
export function persistOnFinish(ref: ConversationRef): (event: { response: { messages: ModelMessage[] } }) => Promise<void> {
  return async (event) => {
    await saveModelMessages(ref, event.response.messages);
  };
}
