/**
 * One real server for every suite (it takes a while to start): started before, stopped after, whatever happens.
 * Each suite works in projects of its own.
 */
import { after, before } from "node:test";
import { startServer, type RunningServer } from "./server.js";
import { clientSuite } from "./client.suite.js";
import { auditSuite } from "./audit.suite.js";
import { langchainSuite } from "./langchain.suite.js";
import { aiSdkSuite } from "./ai-sdk.suite.js";
import { mcpSuite } from "./mcp.suite.js";

let server: RunningServer | undefined;
const running = (): RunningServer => {
  if (!server) throw new Error("the server did not start");
  return server;
};

before(async () => {
  server = await startServer();
}, { timeout: 320_000 });

after(async () => {
  await server?.stop();
}, { timeout: 60_000 });

clientSuite(running);
auditSuite(running);
langchainSuite(running);
aiSdkSuite(running);
mcpSuite(running);
