import { loadConfig } from "../../src/config/index.ts";
import type { AppContext } from "../../src/context.ts";
import { closeContext, createContext } from "../../src/runtime.ts";
import { createBackends, type TestBackends } from "./databases.ts";

/** Env for fast job tests: short polls and leases so lost workers are noticed within a second or two. */
export const FAST_JOBS_ENV = { CRITIQUE_JOB_POLL_MS: "50", CRITIQUE_JOB_LEASE_MS: "1000", CRITIQUE_LOG_LEVEL: process.env.CRITIQUE_TEST_LOG_LEVEL ?? "silent" };

/** A context on `backends` (the leg's database and queue), like one server process without HTTP. */
export async function jobContext(backends: TestBackends, extraEnv: Record<string, string> = {}): Promise<AppContext> {
  return createContext(loadConfig({ ...FAST_JOBS_ENV, ...backends.env, ...extraEnv }));
}

export async function withBackends<T>(fn: (backends: TestBackends) => Promise<T>): Promise<T> {
  const backends = await createBackends();
  try {
    return await fn(backends);
  } finally {
    await backends.dispose();
  }
}

export { closeContext };

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await Bun.sleep(25);
  }
}

export interface ServeProcess {
  url: string;
  proc: Bun.Subprocess;
  logs(): string;
  /** Sends `signal` and resolves with the exit code (null after a kill by signal). */
  signal(signal: NodeJS.Signals): Promise<number | null>;
}

/** Runs `bun src/cli/main.ts serve` as a separate process (the real entry point) and waits for /healthz. */
export async function spawnServe(env: Record<string, string>): Promise<ServeProcess> {
  const { freePort } = await import("./binary.ts");
  const port = await freePort();
  const root = new URL("../..", import.meta.url).pathname;
  const proc = Bun.spawn([process.execPath, "src/cli/main.ts", "serve"], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", HOST: "127.0.0.1", PORT: String(port), ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  let output = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) output += new TextDecoder().decode(chunk);
  };
  void collect(proc.stdout as ReadableStream<Uint8Array>);
  void collect(proc.stderr as ReadableStream<Uint8Array>);
  const url = `http://127.0.0.1:${port}`;
  const state = await waitFor(
    "the server to answer /healthz",
    async () => (proc.exitCode !== null ? "exited" : (await fetch(`${url}/healthz`)).status === 200 && "up"),
    20_000,
  ).catch((error) => {
    proc.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n${output}`);
  });
  if (state === "exited") throw new Error(`serve exited ${proc.exitCode}: ${output}`);
  return {
    url,
    proc,
    logs: () => output,
    signal: async (signal) => {
      proc.kill(signal);
      await proc.exited;
      return proc.signalCode ? null : proc.exitCode;
    },
  };
}

/** The servers a test file spawns, so that afterAll can kill whichever are still running. */
export function serveProcesses() {
  const servers: ServeProcess[] = [];
  return {
    async spawn(env: Record<string, string>): Promise<ServeProcess> {
      const server = await spawnServe(env);
      servers.push(server);
      return server;
    },
    async killAll(): Promise<void> {
      for (const server of servers) if (server.proc.exitCode === null && !server.proc.signalCode) await server.signal("SIGKILL");
    },
  };
}
