import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** Each test process builds its own binary from the current tree, so a stale dist/ never hides a change. */
export const BINARY = join(tmpdir(), `critique-test-bin-${process.pid}`, "critique");
let built: Promise<string> | undefined;

export function ensureBinary(): Promise<string> {
  built ??= (async () => {
    const proc = Bun.spawn(["bun", "run", "build", "--outfile", BINARY], { cwd: resolve(import.meta.dir, "../.."), stdout: "ignore", stderr: "pipe" });
    if ((await proc.exited) !== 0) throw new Error(`build failed: ${await new Response(proc.stderr).text()}`);
    return BINARY;
  })();
  return built;
}

/** The environment a running process was exec'd with (Linux: /proc). */
export function environOf(pid: number): Record<string, string> {
  return Object.fromEntries(readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean).map((entry) => entry.split(/=(.*)/s, 2)));
}

export async function freePort(): Promise<number> {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port!;
  await server.stop(true);
  return port;
}

/** Runs the binary's CLI to completion from `cwd` with only the given environment (plus PATH). */
export async function runCli(args: string[], cwd: string, env: Record<string, string>) {
  const proc = Bun.spawn([BINARY, ...args], { cwd, env: { PATH: process.env.PATH ?? "", ...env }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

export interface BinaryServer {
  url: string;
  proc: Bun.Subprocess;
  /** Milliseconds from spawn to the first 200 on /healthz. */
  startupMs: number;
  logs(): string;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Spawns `critique serve` from `cwd` and waits for /healthz. */
export async function startBinary(cwd: string, env: Record<string, string>): Promise<BinaryServer> {
  const port = await freePort();
  const started = performance.now();
  const url = `http://127.0.0.1:${port}`;
  // The links payloads carry (CRITIQUE_PUBLIC_URL) must lead back to this server, as an operator would configure it.
  const proc = Bun.spawn([BINARY, "serve"], { cwd, env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: String(port), CRITIQUE_PUBLIC_URL: url, ...env }, stdout: "pipe", stderr: "pipe" });
  let output = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) output += new TextDecoder().decode(chunk);
  };
  void drain(proc.stdout as ReadableStream<Uint8Array>);
  void drain(proc.stderr as ReadableStream<Uint8Array>);
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`binary exited ${proc.exitCode}: ${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) break;
    } catch {}
    if (performance.now() - started > 15_000) throw new Error(`binary did not become healthy: ${output}`);
    await Bun.sleep(5);
  }
  return {
    url,
    proc,
    startupMs: performance.now() - started,
    logs: () => output,
    stop: async (signal = "SIGTERM") => {
      proc.kill(signal);
      return proc.exited;
    },
  };
}
