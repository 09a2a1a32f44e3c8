import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connectColloquyMcp } from "../examples/mcp-agent.js";
import type { RunningServer } from "./server.js";

type ToolText = { content: { type: string; text: string }[]; isError?: boolean };

export function mcpSuite(server: () => RunningServer): void {
  describe("MCP server through the official TypeScript MCP SDK", () => {
    it("lists the tools and calls them with the project's API key; another project's key sees nothing", async () => {
      const alice = await server().newProject();
      const mallory = await server().newProject();
      const agent = await connectColloquyMcp(server().baseUrl, alice.adminKey);
      const intruder = await connectColloquyMcp(server().baseUrl, mallory.adminKey);
      try {
        const { tools } = await agent.listTools();
        const names = tools.map((t) => t.name);
        for (const name of ["create_dialogue", "append_messages", "list_dialogues", "search", "remember", "recall"]) {
          assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
        }
        const created = (await agent.callTool({ name: "create_dialogue", arguments: { namespace: "agent", title: "from MCP" } })) as ToolText;
        assert.notEqual(created.isError, true);
        const dialogue = JSON.parse(created.content[0]!.text) as { id: string; title: string };
        assert.equal(dialogue.title, "from MCP");
        const appended = (await agent.callTool({
          name: "append_messages",
          arguments: { namespace: "agent", dialogue_id: dialogue.id, messages: [{ role: "user", content: "remember the blue door" }] },
        })) as ToolText;
        assert.notEqual(appended.isError, true);

        // the REST API sees what the agent wrote, in the same project
        assert.equal((await alice.client.dialogues("agent").get(dialogue.id)).message_count, 1);

        const stolen = (await intruder.callTool({ name: "get_dialogue", arguments: { namespace: "agent", id: dialogue.id } })) as ToolText;
        assert.equal(stolen.isError, true);
        assert.equal((JSON.parse(stolen.content[0]!.text) as { error: { code: string } }).error.code, "NOT_FOUND");
        const listed = (await intruder.callTool({ name: "list_dialogues", arguments: { namespace: "agent" } })) as ToolText;
        assert.deepEqual((JSON.parse(listed.content[0]!.text) as { data: unknown[] }).data, []);
      } finally {
        await agent.close();
        await intruder.close();
      }
    });
  });
}
