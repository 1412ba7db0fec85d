import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { pinned } from "./binary.ts";

/**
 * Load generators for max-throughput figures: one request (a POST of a JSON body, or a GET without one) repeated over
 * `connections` keep-alive connections, from a separate process pinned away from the server's CPUs when there are any.
 * wrk (C, `apt install wrk`) is preferred: on a 2-core machine the generator shares the CPUs with what it measures,
 * and autocannon takes ~50 µs of CPU per request at 7k req/s, about a fifth of the machine, where wrk takes less
 * than half of that. That share is taken from multi-threaded servers (ours: event loop, HTTP client thread, GC
 * threads) but not from single-threaded ones (Portkey on Node), so autocannon understates the ratio between them.
 * autocannon (from node_modules) is the fallback, so the bench runs anywhere.
 */
export type Generator = "wrk" | "autocannon";

export const defaultGenerator = (): Generator => (Bun.which("wrk") ? "wrk" : "autocannon");

export interface LoadRequest {
  url: string;
  headers: Record<string, string>;
  /** POSTed when given, else the request is a GET. */
  body?: string;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  /** Latency quantiles under load, in ms. */
  p50: number;
  p99: number;
  /** Requests completed. */
  total: number;
  non2xx: number;
  errors: number;
}

export function runLoad(generator: Generator, request: LoadRequest): Promise<LoadResult> {
  return generator === "wrk" ? wrk(request) : autocannon(request);
}

async function run(command: string[]): Promise<string> {
  const pinnedCommand = pinned ? ["taskset", "-c", `2-${availableParallelism() - 1}`, ...command] : command;
  const proc = Bun.spawn(pinnedCommand, { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${command[0]} exited ${code}: ${err}`);
  return out;
}

async function autocannon({ url, headers, body, connections, seconds }: LoadRequest): Promise<LoadResult> {
  const headerArgs = Object.entries(headers).flatMap(([name, value]) => ["-H", `${name}=${value}`]);
  const bodyArgs = body === undefined ? [] : ["-m", "POST", "-b", body];
  const out = await run([process.execPath, "x", "autocannon", "--json", "-c", String(connections), "-d", String(seconds), ...bodyArgs, ...headerArgs, url]);
  const result = JSON.parse(out);
  return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, total: result.requests.total, non2xx: result.non2xx, errors: result.errors };
}

async function wrk({ url, headers, body, connections, seconds }: LoadRequest): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), "critique-wrk-"));
  try {
    // Level-2 long brackets ([==[ … ]==]) keep JSON and header values verbatim in the Lua script.
    const post = body === undefined ? [] : ['wrk.method = "POST"', `wrk.body = [==[${body}]==]`];
    const lines = [...post, ...Object.entries(headers).map(([name, value]) => `wrk.headers[ [==[${name}]==] ] = [==[${value}]==]`)];
    writeFileSync(join(dir, "request.lua"), `${lines.join("\n")}\n`);
    const out = await run(["wrk", "-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "-s", join(dir, "request.lua"), url]);
    const number = (pattern: RegExp) => Number(pattern.exec(out)?.[1] ?? 0);
    const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    return {
      requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
      p50: latencyMs(out, "50%"),
      p99: latencyMs(out, "99%"),
      total: number(/(\d+) requests in /),
      non2xx: number(/Non-2xx or 3xx responses:\s+(\d+)/),
      errors: socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A quantile from wrk's "Latency Distribution" (e.g. `99%    1.05ms`), in ms. */
function latencyMs(out: string, quantile: string): number {
  const match = new RegExp(`^\\s*${quantile}\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(out);
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value;
}
