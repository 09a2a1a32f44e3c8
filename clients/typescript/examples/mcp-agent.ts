/**
 * Wiring Colloquy's MCP server (`/mcp`, Streamable HTTP, the API key as a bearer token) into an agent with the
 * official TypeScript MCP SDK. An agent framework takes the tools from `listTools()` and calls them with
 * `callTool()`; here a tiny "agent" remembers a fact and recalls it.
 *
 *   COLLOQUY_URL=http://127.0.0.1:8080 COLLOQUY_API_KEY=cq_key_… npx tsx examples/mcp-agent.ts
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

export async function connectColloquyMcp(baseUrl: string, apiKey: string): Promise<Client> {
  const client = new Client({ name: "colloquy-example-agent", version: "0.1.0" });
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", baseUrl), {
    requestInit: { headers: { Authorization: `Bearer ${apiKey}` } },
  });
  await client.connect(transport);
  return client;
}

async function main(): Promise<void> {
  const url = process.env.COLLOQUY_URL ?? "http://127.0.0.1:8080";
  const key = process.env.COLLOQUY_API_KEY;
  if (!key) throw new Error("set COLLOQUY_API_KEY");
  const mcp = await connectColloquyMcp(url, key);
  try {
    const { tools } = await mcp.listTools();
    console.log("tools:", tools.map((t) => t.name).join(", "));
    await mcp.callTool({ name: "remember", arguments: { namespace: "demo-user", content: "Prefers window seats." } });
    const recalled = await mcp.callTool({ name: "recall", arguments: { namespace: "demo-user", q: "seats" } });
    console.log(JSON.stringify(recalled.content, null, 2));
  } finally {
    await mcp.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
