import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateText, stepCountIs, tool, type ModelMessage } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { z } from "zod";
import { loadModelMessages, persistOnFinish, saveModelMessages } from "../src/ai-sdk.js";
import { collect, type RunningServer } from "./server.js";

/**
 * No model can be reached from the tests: the AI SDK's own scripted test model answers (a tool call, then
 * text after the tool result), and everything else (generateText, the tool's execution, onFinish, Colloquy) is real.
 */
function scriptedModel() {
  let step = 0;
  return new MockLanguageModelV3({
    doGenerate: async () => {
      step++;
      const usage = {
        inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: 5, text: 5, reasoning: undefined },
      };
      if (step === 1) {
        return {
          content: [{ type: "tool-call", toolCallId: "call_1", toolName: "weather", input: JSON.stringify({ city: "Paris" }) }],
          finishReason: { unified: "tool-calls", raw: undefined },
          usage,
          warnings: [],
        };
      }
      return {
        content: [{ type: "text", text: "It is 21 degrees in Paris." }],
        finishReason: { unified: "stop", raw: undefined },
        usage,
        warnings: [],
      };
    },
  });
}

export function aiSdkSuite(server: () => RunningServer): void {
  describe("Vercel AI SDK helper", () => {
    it("persists a finished generation's tool calls, tool results and text, and loads them back as ModelMessage[]", async () => {
      const { client } = await server().newProject();
      const ref = { client, namespace: "user-1", key: "ai-chat-1" };
      assert.deepEqual(await loadModelMessages(ref), []);
      const prompt: ModelMessage[] = [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Weather in Paris?" },
      ];
      await saveModelMessages(ref, prompt);
      const result = await generateText({
        model: scriptedModel(),
        messages: await loadModelMessages(ref),
        tools: {
          weather: tool({
            description: "The weather in a city",
            inputSchema: z.object({ city: z.string() }),
            execute: async ({ city }) => ({ city, celsius: 21 }),
          }),
        },
        stopWhen: stepCountIs(3),
        onFinish: persistOnFinish(ref),
      });
      assert.equal(result.text, "It is 21 degrees in Paris.");

      const loaded = await loadModelMessages(ref);
      // equal as JSON (what a store can keep: no properties whose value is undefined)
      assert.deepEqual(loaded, JSON.parse(JSON.stringify([...prompt, ...result.response.messages])));
      assert.deepEqual(loaded.map((m) => m.role), ["system", "user", "assistant", "tool", "assistant"]);
      const toolResult = loaded[3]!;
      assert.ok(Array.isArray(toolResult.content));
      assert.deepEqual(
        toolResult.content.map((p) => (p.type === "tool-result" ? [p.toolCallId, p.toolName, p.output] : p.type)),
        [["call_1", "weather", { type: "json", value: { city: "Paris", celsius: 21 } }]],
      );

      // the loaded conversation continues: a model given it sees the whole exchange
      const dialogue = await client.dialogues("user-1").byKey("ai-chat-1");
      const stored = await collect(client.dialogues("user-1").messages(dialogue!.id));
      assert.deepEqual(stored.map((m) => m.content).slice(2), ["[tool calls: weather]", "[tool results: weather]", "It is 21 degrees in Paris."]);
    });
  });
}
