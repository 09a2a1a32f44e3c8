/**
 * A real Colloquy server for the tests: `java -jar server/target/colloquy.jar serve` on free ports with a temporary
 * data directory (its own embedded PostgreSQL), stopped at the end whatever happens: SIGTERM to its process group
 * (the server stops its database), SIGKILL after 30 s, and the database's postmaster by its pid if it outlived it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Colloquy } from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const jar = resolve(here, "../../../server/target/colloquy.jar");
const OPERATOR_TOKEN = `op_${crypto.randomUUID().replaceAll("-", "")}`;

export interface RunningServer {
  baseUrl: string;
  port: number;
  /** A new project with its first admin key. */
  newProject(plan?: string): Promise<{ projectId: string; adminKey: string; client: Colloquy }>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const probe = net.createServer();
    probe.unref();
    probe.on("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => ok(port));
    });
  });
}

export async function startServer(): Promise<RunningServer> {
  // while developing the tests: a server already running (COLLOQUY_TEST_URL, COLLOQUY_TEST_OPERATOR_TOKEN)
  if (process.env.COLLOQUY_TEST_URL && process.env.COLLOQUY_TEST_OPERATOR_TOKEN) {
    return connected(process.env.COLLOQUY_TEST_URL, process.env.COLLOQUY_TEST_OPERATOR_TOKEN, async () => undefined);
  }
  if (!existsSync(jar)) throw new Error(`${jar} is missing: build the server first (./mvnw -pl server package)`);
  const dataRoot = mkdtempSync(join(tmpdir(), "colloquy-ts-"));
  const dataDir = join(dataRoot, "data");
  const port = await freePort();
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : "java";
  const child: ChildProcess = spawn(java, ["-Xmx512m", "-jar", jar, "serve"], {
    detached: true, // its own process group, so that the whole group can be signalled
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      COLLOQUY_DATA_DIR: dataDir,
      COLLOQUY_PORT: String(port),
      COLLOQUY_MANAGEMENT_PORT: "0",
      COLLOQUY_ADDRESS: "127.0.0.1",
      COLLOQUY_OPERATOR_TOKEN: OPERATOR_TOKEN,
      LOGGING_LEVEL_IO_COLLOQUY: "WARN",
    },
  });
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let exited = false;
  child.on("exit", () => (exited = true));

  // A root JVM whose data directory (here 0700) PostgreSQL's service account cannot enter keeps the cluster in
  // /var/lib/colloquy/clusters/<first 16 hex of SHA-256 of the data directory> (server: platform.PostgresLayout)
  const systemCluster = join("/var/lib/colloquy/clusters", createHash("sha256").update(dataDir).digest("hex").slice(0, 16));
  const postmasterPid = (): number | undefined => {
    for (const cluster of [join(dataDir, "postgres"), join(systemCluster, "postgres")]) {
      try {
        const pid = Number(readFileSync(join(cluster, "postmaster.pid"), "utf8").split("\n")[0]);
        if (Number.isSafeInteger(pid) && pid > 0) return pid;
      } catch {
        // not there
      }
    }
    return undefined;
  };
  const removeFiles = () => {
    rmSync(dataRoot, { recursive: true, force: true });
    rmSync(systemCluster, { recursive: true, force: true });
  };
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const killNow = () => {
    const postmaster = postmasterPid();
    signalGroup("SIGKILL");
    if (postmaster) {
      try {
        process.kill(postmaster, "SIGQUIT"); // PostgreSQL's immediate shutdown: ends its children too
      } catch {
        // already gone
      }
    }
  };
  // whatever ends this process (a failed assertion, a timeout, a signal): the server goes with it
  const onExit = () => {
    killNow();
    try {
      removeFiles();
    } catch {
      // best effort at exit
    }
  };
  process.once("exit", onExit);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void stop().finally(() => process.exit(130));
    });
  }

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const postmaster = postmasterPid();
    signalGroup("SIGTERM");
    const deadline = Date.now() + 30_000;
    while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (!exited) killNow();
    // the database stops with the server; make sure of it before its files go
    const dbDeadline = Date.now() + 15_000;
    while (postmaster && alive(postmaster) && Date.now() < dbDeadline) await new Promise((r) => setTimeout(r, 100));
    if (postmaster && alive(postmaster)) process.kill(postmaster, "SIGKILL");
    process.removeListener("exit", onExit);
    removeFiles();
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 300_000;
  while (true) {
    if (exited) throw new Error(`the server exited before it was ready:\n${log}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the server was not ready within 300 s:\n${log}`);
    }
    try {
      if ((await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) })).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return connected(baseUrl, OPERATOR_TOKEN, stop);
}

function connected(baseUrl: string, operatorToken: string, stop: () => Promise<void>): RunningServer {
  const operator = new Colloquy({ baseUrl, apiKey: operatorToken });
  return {
    baseUrl,
    port: Number(new URL(baseUrl).port),
    stop,
    async newProject(plan?: string) {
      const created = await operator.projects.create({ name: `ts-${crypto.randomUUID().slice(0, 8)}`, ...(plan ? { plan } : {}) });
      const adminKey = created.key.key!;
      return { projectId: created.project.id, adminKey, client: new Colloquy({ baseUrl, apiKey: adminKey }) };
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A TCP proxy in front of the server that the tests can cut: `dropAll()` ends every open connection (a dropped
 * network), `loseNextAnswer()` lets the next request reach the server and then cuts the connection before its
 * answer reaches the client.
 */
export class CuttableProxy {
  private readonly sockets = new Set<net.Socket>();
  private loseAnswers = 0;
  readonly server: net.Server;
  port = 0;
  connections = 0;

  constructor(private readonly targetPort: number) {
    this.server = net.createServer((client) => {
      this.connections++;
      const upstream = net.connect(this.targetPort, "127.0.0.1");
      this.sockets.add(client).add(upstream);
      let lose = false;
      client.on("data", (chunk) => {
        if (this.loseAnswers > 0 && !lose) {
          this.loseAnswers--;
          lose = true;
        }
        upstream.write(chunk);
      });
      upstream.on("data", (chunk) => {
        if (lose) {
          client.destroy();
          upstream.destroy();
          return;
        }
        client.write(chunk);
      });
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on("close", end).on("error", end);
      upstream.on("close", end).on("error", end);
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((ok) => this.server.listen(0, "127.0.0.1", ok));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  loseNextAnswer(): void {
    this.loseAnswers++;
  }

  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }
}

/** Polls `condition` until it holds or the deadline passes. */
export async function eventually<T>(what: string, condition: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every item of an async iterable (Array.fromAsync is Node 22+). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
