import { availableParallelism } from "node:os";
import { join } from "node:path";

/** Helpers for the benches: start the compiled binary, run its CLI, read its memory and CPU time (load: load-generators.ts). */

/** The server gets two CPUs when the machine has more (the load generator then runs on the others). */
export const SERVER_CPUS = "0,1";
export const pinned = availableParallelism() > 2 && Bun.which("taskset") !== null;

export async function freePort(): Promise<number> {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port!;
  await server.stop(true);
  return port;
}

export interface Running {
  url: string;
  pid: number;
  /** Milliseconds from spawn to the first 200 on /healthz. */
  startupMs: number;
  stop(): Promise<void>;
}

/** Spawns `critique serve` in `dir` with only the given environment; its stdout (the access log) goes to a file there. */
export async function startServer(binary: string, dir: string, env: Record<string, string>): Promise<Running> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const command = pinned ? ["taskset", "-c", SERVER_CPUS, binary, "serve"] : [binary, "serve"];
  const started = performance.now();
  const proc = Bun.spawn(command, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: String(port), ...env },
    stdout: Bun.file(join(dir, "server.log")),
    stderr: Bun.file(join(dir, "server.err")),
  });
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited ${proc.exitCode}: ${await Bun.file(join(dir, "server.err")).text()}`);
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) break;
    } catch {}
    if (performance.now() - started > 20_000) throw new Error("server did not answer /healthz within 20 s");
    await Bun.sleep(1);
  }
  const startupMs = performance.now() - started;
  return {
    url,
    pid: proc.pid,
    startupMs,
    stop: async () => {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

/** Resident memory of a process in MB, from /proc (Linux). */
export async function rssMb(pid: number): Promise<number> {
  return (await rssParts(pid)).total;
}

/**
 * RSS split into the process's own memory (anonymous: heaps, JIT code) and pages of files it maps, mostly the
 * binary itself (the runtime and the embedded code or bytecode it touched): those are page cache the kernel can
 * drop and re-read, shared by every process of the same binary.
 */
export async function rssParts(pid: number): Promise<{ total: number; anonymous: number; file: number }> {
  const status = await Bun.file(`/proc/${pid}/status`).text();
  const mb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1] ?? 0) / 1024;
  return { total: mb("VmRSS"), anonymous: mb("RssAnon"), file: mb("RssFile") + mb("RssShmem") };
}

/**
 * CPU seconds a process has used (user + system, all its threads), from /proc/<pid>/stat. Divided by the
 * requests served it gives the server's cost per request, a figure that a busy shared machine distorts far
 * less than req/s does.
 */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Bun.file(`/proc/${pid}/stat`).text();
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every mainstream Linux architecture
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Runs the binary's CLI in `dir` and returns stdout; throws with stderr on failure. */
export async function cli(binary: string, args: string[], dir: string, env: Record<string, string>): Promise<string> {
  const proc = Bun.spawn([binary, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? "", ...env }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`critique ${args.join(" ")} exited ${code}: ${err}`);
  return out;
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
