/**
 * LangChain.js chat history on Colloquy: one dialogue per session, found by the session id as the dialogue's
 * key (`PUT|GET …/dialogues/by-key/{sessionId}`). Every message type round-trips: the role goes in the
 * message's role, what LangChain needs besides the text (its type, tool calls, tool call id, name, ids,
 * additional kwargs, response metadata, non-text content) in the message's metadata under `langchain`.
 */
import { BaseListChatMessageHistory } from "@langchain/core/chat_history";
import {
  AIMessage,
  ChatMessage,
  HumanMessage,
  SystemMessage,
  ToolMessage,
  type BaseMessage,
} from "@langchain/core/messages";
import type { Colloquy } from "./client.js";
import type { JsonObject, JsonValue, Message, MessageInput, Role } from "./types.js";

export interface ColloquyChatMessageHistoryInput {
  client: Colloquy;
  namespace: string;
  /** The conversation's id in your application: the dialogue's key (`^[A-Za-z0-9._:@~+=-]{1,256}$`). */
  sessionId: string;
  /** Title, metadata, tags of the dialogue when this history creates it. */
  dialogue?: { title?: string; metadata?: JsonObject; tags?: string[] };
}

const ROLES: Record<string, Role> = { human: "user", ai: "assistant", system: "system", tool: "tool" };

/** Serializable view of a value: drops undefined, turns what JSON cannot carry into null. */
function json(value: unknown): JsonValue | undefined {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as JsonValue);
}

function text(content: BaseMessage["content"]): string {
  if (typeof content === "string") return content;
  return content
    .map((part) => (typeof part === "object" && part !== null && "text" in part && typeof part.text === "string" ? part.text : ""))
    .join("");
}

export function toColloquyMessage(message: BaseMessage): MessageInput {
  const type = message.getType();
  const stored: Record<string, JsonValue | undefined> = { type };
  const plain = text(message.content);
  if (typeof message.content !== "string" || plain === "") stored.content = json(message.content);
  if (message.id) stored.id = message.id;
  if (message.name) stored.name = message.name;
  if (Object.keys(message.additional_kwargs ?? {}).length) stored.additional_kwargs = json(message.additional_kwargs);
  if (Object.keys(message.response_metadata ?? {}).length) stored.response_metadata = json(message.response_metadata);
  if (AIMessage.isInstance(message)) {
    if (message.tool_calls?.length) stored.tool_calls = json(message.tool_calls);
    if (message.invalid_tool_calls?.length) stored.invalid_tool_calls = json(message.invalid_tool_calls);
    if (message.usage_metadata) stored.usage_metadata = json(message.usage_metadata);
  }
  if (ToolMessage.isInstance(message)) {
    stored.tool_call_id = message.tool_call_id;
    if (message.status) stored.status = message.status;
    if (message.artifact !== undefined) stored.artifact = json(message.artifact);
  }
  if (ChatMessage.isInstance(message)) stored.role = message.role;
  const role = ROLES[type] ?? "user";
  // Colloquy needs some text; a message without any (an AI turn of tool calls only) is summarised, and its
  // real content is in the metadata
  const content = plain !== "" ? plain : summary(stored);
  return { role, content, metadata: { langchain: JSON.parse(JSON.stringify(stored)) as JsonObject } };
}

function summary(stored: Record<string, JsonValue | undefined>): string {
  const calls = stored.tool_calls as { name?: string }[] | undefined;
  return calls?.length ? `[tool calls: ${calls.map((c) => c.name).join(", ")}]` : `[${stored.type} message]`;
}

export function fromColloquyMessage(message: Message): BaseMessage {
  const stored = (message.metadata?.langchain ?? {}) as Record<string, unknown> & { type?: string };
  const type = stored.type ?? ({ user: "human", assistant: "ai", system: "system", tool: "tool" } as Record<string, string>)[message.role];
  const fields = {
    content: (stored.content ?? message.content) as string,
    id: stored.id as string | undefined,
    name: stored.name as string | undefined,
    additional_kwargs: (stored.additional_kwargs ?? {}) as Record<string, unknown>,
    response_metadata: (stored.response_metadata ?? {}) as Record<string, unknown>,
  };
  switch (type) {
    case "human":
      return new HumanMessage(fields);
    case "system":
      return new SystemMessage(fields);
    case "ai":
      return new AIMessage({
        ...fields,
        tool_calls: (stored.tool_calls ?? []) as AIMessage["tool_calls"],
        invalid_tool_calls: (stored.invalid_tool_calls ?? []) as AIMessage["invalid_tool_calls"],
        usage_metadata: stored.usage_metadata as AIMessage["usage_metadata"],
      });
    case "tool":
      return new ToolMessage({
        ...fields,
        tool_call_id: (stored.tool_call_id ?? "") as string,
        status: stored.status as "success" | "error" | undefined,
        artifact: stored.artifact,
      });
    default:
      return new ChatMessage({ ...fields, role: (stored.role as string | undefined) ?? message.role });
  }
}

export class ColloquyChatMessageHistory extends BaseListChatMessageHistory {
  lc_namespace = ["colloquy", "chat_history"];

  private readonly client: Colloquy;
  private readonly namespace: string;
  private readonly sessionId: string;
  private readonly dialogue: ColloquyChatMessageHistoryInput["dialogue"];
  private dialogueId: string | undefined;

  constructor(input: ColloquyChatMessageHistoryInput) {
    super({ namespace: input.namespace, sessionId: input.sessionId }); // never the client: LangChain serializes these
    this.client = input.client;
    this.namespace = input.namespace;
    this.sessionId = input.sessionId;
    this.dialogue = input.dialogue;
  }

  private get dialogues() {
    return this.client.dialogues(this.namespace);
  }

  private async ensureDialogue(): Promise<string> {
    this.dialogueId ??= (await this.dialogues.ensure(this.sessionId, this.dialogue ?? {})).dialogue.id;
    return this.dialogueId;
  }

  async getMessages(): Promise<BaseMessage[]> {
    // looked up each time: another process may have cleared the session
    const dialogue = (await this.dialogues.byKey(this.sessionId))?.id;
    this.dialogueId = dialogue;
    if (!dialogue) return [];
    const messages: BaseMessage[] = [];
    for await (const message of this.dialogues.messages(dialogue, { limit: 200 })) messages.push(fromColloquyMessage(message));
    return messages;
  }

  async addMessage(message: BaseMessage): Promise<void> {
    await this.addMessages([message]);
  }

  /** All of them in one atomic append (100 at a time). */
  async addMessages(messages: BaseMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const inputs = messages.map(toColloquyMessage);
    for (let i = 0; i < inputs.length; i += 100) {
      const batch = inputs.slice(i, i + 100);
      try {
        await this.dialogues.appendMany(await this.ensureDialogue(), batch);
      } catch (error) {
        if ((error as { code?: string }).code !== "NOT_FOUND") throw error;
        this.dialogueId = undefined; // cleared by another process: the session starts a new dialogue
        await this.dialogues.appendMany(await this.ensureDialogue(), batch);
      }
    }
  }

  /** Deletes the session's dialogue (its key is free again: the next message starts a new one). */
  async clear(): Promise<void> {
    const dialogue = (await this.dialogues.byKey(this.sessionId))?.id;
    this.dialogueId = undefined;
    if (dialogue) await this.dialogues.delete(dialogue);
  }
}
