#!/usr/bin/env bun
/**
 * Server figures against the targets, from the compiled binary on the embedded defaults (SQLite, local queue):
 * binary size, cold start to the first 200 on /healthz, idle RSS, authenticated GET /api/v1/me throughput and
 * latency, with the access log on (level info, one JSON line per request) and off (level warn).
 *
 *   bun bench/server.ts [--duration 10] [--connections 64] [--spawns 7] [--no-build | --binary PATH]
 *
 * On a machine with more than two CPUs the server is pinned to two and autocannon runs on the others; on a
 * two-CPU machine both share them, which understates the server.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { cli, cpuSeconds, median, pinned, rssMb, rssParts, SERVER_CPUS, startServer } from "./binary.ts";
import { type LoadResult, runLoad } from "./load-generators.ts";

const { values: options } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "64" },
    spawns: { type: "string", default: "7" },
    "no-build": { type: "boolean", default: false },
    /** Measure another build (e.g. to compare build flags) instead of building dist/critique. */
    binary: { type: "string" },
  },
});
const ROOT = resolve(import.meta.dir, "..");
const BINARY = options.binary ? resolve(options.binary) : join(ROOT, "dist", "critique");
const seconds = Number(options.duration);
const connections = Number(options.connections);
const scratch = mkdtempSync(join(tmpdir(), "critique-bench-"));
const freshDir = (name: string) => mkdtempSync(join(scratch, `${name}-`));

if (!options["no-build"] && !options.binary) {
  console.log("building dist/critique …");
  const build = Bun.spawn(["bun", "run", "build"], { cwd: ROOT, stdout: "ignore", stderr: "inherit" });
  if ((await build.exited) !== 0) throw new Error("bun run build failed");
}
const sizeMb = statSync(BINARY).size / 1024 / 1024;
console.log(`CPUs: ${availableParallelism()}; ${pinned ? `server pinned to CPUs ${SERVER_CPUS}, load generator on the others` : "server and load generator share all CPUs"}`);

/** Cold start: a new process on an empty data dir (creates the database, migrates, writes the secrets key). */
const coldStarts: number[] = [];
for (let i = 0; i < Number(options.spawns); i++) {
  const server = await startServer(BINARY, freshDir("cold"), { CRITIQUE_LOG_LEVEL: "warn" });
  coldStarts.push(server.startupMs);
  await server.stop();
}
/** Restart: a new process on a data dir that already has its database. */
const warmDir = freshDir("restart");
const restarts: number[] = [];
for (let i = 0; i <= Number(options.spawns); i++) {
  const server = await startServer(BINARY, warmDir, { CRITIQUE_LOG_LEVEL: "warn" });
  if (i > 0) restarts.push(server.startupMs);
  await server.stop();
}

interface Run {
  idleParts: { anonymous: number; file: number };
  level: string;
  idleRss: number;
  loadedRss: number;
  result: LoadResult;
  /** Server CPU time per request during the measured load, in microseconds. */
  cpuPerRequestUs: number;
  logLines: number;
}

/** One server at a log level: idle RSS, then load on GET /api/v1/me with a real key, then RSS again. */
async function measure(level: string): Promise<Run> {
  const dir = freshDir(`load-${level}`);
  const env = { CRITIQUE_LOG_LEVEL: level };
  const server = await startServer(BINARY, dir, env);
  try {
    await Bun.sleep(2_000);
    const { total: idleRss, ...idleParts } = await rssParts(server.pid);
    const { key } = JSON.parse(await cli(BINARY, ["keys", "create", "--name", "bench", "--user", "bench", "--json"], dir, env)) as { key: string };
    const headers = { authorization: `Bearer ${key}` };
    const check = await fetch(`${server.url}/api/v1/me`, { headers });
    if (check.status !== 200) throw new Error(`GET /api/v1/me answered ${check.status}: ${await check.text()}`);
    console.log(`load at CRITIQUE_LOG_LEVEL=${level}: ${connections} connections, ${seconds} s (after a 2 s warm-up) …`);
    await runLoad("autocannon", { url: `${server.url}/api/v1/me`, headers, connections, seconds: 2 });
    const cpuBefore = await cpuSeconds(server.pid);
    const result = await runLoad("autocannon", { url: `${server.url}/api/v1/me`, headers, connections, seconds });
    const cpuPerRequestUs = ((await cpuSeconds(server.pid)) - cpuBefore) / result.total * 1e6;
    await Bun.sleep(2_000);
    const loadedRss = await rssMb(server.pid);
    await server.stop();
    const logLines = (await Bun.file(join(dir, "server.log")).text()).split("\n").filter(Boolean).length;
    return { level, idleRss, idleParts, loadedRss, result, cpuPerRequestUs, logLines };
  } finally {
    await server.stop();
  }
}

const runs = [await measure("info"), await measure("warn")];
rmSync(scratch, { recursive: true, force: true });

const ms = (value: number) => `${value.toFixed(0)} ms`;
const mb = (value: number) => `${value.toFixed(1)} MB`;
const rows: [string, string, string, boolean | undefined][] = [
  ["binary size", mb(sizeMb), "", undefined],
  [`cold start, empty data dir (median of ${coldStarts.length}; min ${ms(Math.min(...coldStarts))}, max ${ms(Math.max(...coldStarts))})`, ms(median(coldStarts)), "≤ 300 ms", median(coldStarts) <= 300],
  [`restart, existing data dir (median of ${restarts.length})`, ms(median(restarts)), "≤ 300 ms", median(restarts) <= 300],
];
for (const run of runs) {
  const { result } = run;
  rows.push(
    [`idle RSS after start (log ${run.level})`, mb(run.idleRss), "≤ 80 MB", run.idleRss <= 80],
    [`  of which the process's own (anonymous) / the binary's mapped pages`, `${mb(run.idleParts.anonymous)} / ${mb(run.idleParts.file)}`, "", undefined],
    // The target is the idle server's; after serving load it also holds JIT code and connection buffers.
    [`RSS 2 s after the load (log ${run.level})`, mb(run.loadedRss), "", undefined],
    [`GET /api/v1/me req/s (log ${run.level}; ${result.total} requests, ${result.non2xx} non-2xx, ${result.errors} errors, ${run.logLines} log lines)`, result.requestsPerSecond.toFixed(0), "≥ 10000", result.requestsPerSecond >= 10_000],
    [`GET /api/v1/me latency p50 / p99 (log ${run.level})`, `${result.p50} / ${result.p99} ms`, "", undefined],
    [`server CPU per request (log ${run.level}); req/s one busy core would give`, `${run.cpuPerRequestUs.toFixed(0)} µs; ${(1e6 / run.cpuPerRequestUs).toFixed(0)}`, "", undefined],
  );
}
const width = Math.max(...rows.map(([name]) => name.length));
console.log(`\n${"figure".padEnd(width)}  ${"measured".padStart(14)}  ${"target".padEnd(9)}  ok`);
for (const [name, value, target, ok] of rows) console.log(`${name.padEnd(width)}  ${value.padStart(14)}  ${target.padEnd(9)}  ${ok === undefined ? "" : ok ? "yes" : "NO"}`);
