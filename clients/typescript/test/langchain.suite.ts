import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { ColloquyChatMessageHistory } from "../src/langchain.js";
import { collect, type RunningServer } from "./server.js";

export function langchainSuite(server: () => RunningServer): void {
  describe("LangChain.js chat history", () => {
    it("round-trips human, AI with tool calls, tool and system messages through a dialogue keyed by the session id", async () => {
      const { client } = await server().newProject();
      const history = new ColloquyChatMessageHistory({ client, namespace: "user-7", sessionId: "lc-session-1" });
      assert.deepEqual(await history.getMessages(), []);
      const sent = [
        new SystemMessage("You are terse."),
        new HumanMessage("Weather in Paris?"),
        new AIMessage({
          content: "",
          tool_calls: [{ id: "call_1", name: "get_weather", args: { city: "Paris", days: 2 }, type: "tool_call" }],
          response_metadata: { model: "test" },
        }),
        new ToolMessage({ content: '{"temp": 21.5}', tool_call_id: "call_1", name: "get_weather" }),
        new AIMessage("21.5 degrees."),
      ];
      await history.addMessage(sent[0]!);
      await history.addMessages(sent.slice(1));

      assert.ok(!JSON.stringify(history.toJSON()).includes("cq_key_"), "LangChain's serialization carries no API key");

      // a new history object (another process) reads the same session
      const again = new ColloquyChatMessageHistory({ client, namespace: "user-7", sessionId: "lc-session-1" });
      const read = await again.getMessages();
      assert.deepEqual(read.map((m) => m.getType()), ["system", "human", "ai", "tool", "ai"]);
      assert.deepEqual(read.map((m) => m.content), sent.map((m) => m.content));
      const call = read[2] as AIMessage;
      assert.deepEqual(call.tool_calls, [{ id: "call_1", name: "get_weather", args: { city: "Paris", days: 2 }, type: "tool_call" }]);
      assert.deepEqual(call.response_metadata, { model: "test" });
      const result = read[3] as ToolMessage;
      assert.equal(result.tool_call_id, "call_1");
      assert.equal(result.name, "get_weather");

      // stored as a Colloquy dialogue with the session id as its key and the LangChain roles mapped
      const dialogue = await client.dialogues("user-7").byKey("lc-session-1");
      assert.ok(dialogue);
      const stored = await collect(client.dialogues("user-7").messages(dialogue.id));
      assert.deepEqual(stored.map((m) => m.role), ["system", "user", "assistant", "tool", "assistant"]);
      assert.equal(stored[2]!.content, "[tool calls: get_weather]");

      // another namespace's session of the same id is another conversation
      assert.deepEqual(await new ColloquyChatMessageHistory({ client, namespace: "user-8", sessionId: "lc-session-1" }).getMessages(), []);

      await again.clear();
      assert.deepEqual(await history.getMessages(), [], "the other object of the session sees it cleared too");
      assert.deepEqual(await again.getMessages(), []);
      await history.addUserMessage("a new start");
      assert.deepEqual((await again.getMessages()).map((m) => m.content), ["a new start"]);
    });
  });
}
