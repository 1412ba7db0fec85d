#!/usr/bin/env bun
/**
 * Coding Agent API latency and footprint, against the compiled binary with the instant scripted upstream (the
 * model answers at once: what is measured is the server, the sandbox and OpenCode). Real bubblewrap, real OpenCode.
 *   - POST → first streamed event (the stream opened right after the POST answers)
 *   - local sandbox ready (bwrap + bridge up) and agent ready (OpenCode answering), from the RUNNING event
 *   - first agent event (the first tool call) of a cold run vs of a warm follow-up
 *   - N concurrent runs: wall time until all are IDLE, server RSS growth per run (sandboxes held warm)
 * Figures are printed beside the targets.
 *
 *   bun bench/coding-agent.ts [--runs 5] [--concurrent 20] [--no-build]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { AgentUpstream } from "../test/fakes/agent-upstream.ts";
import { cli, median, rssMb, startServer } from "./binary.ts";

const { values: options } = parseArgs({ options: { runs: { type: "string", default: "5" }, concurrent: { type: "string", default: "20" }, "no-build": { type: "boolean", default: false } } });
const RUNS = Number(options.runs);
const CONCURRENT = Number(options.concurrent);
const ROOT = resolve(import.meta.dir, "..");
const BINARY = join(ROOT, "dist", "critique");
const OPENCODE = join(ROOT, "node_modules", `opencode-${process.platform}-${process.arch}`, "bin", "opencode");

if (!options["no-build"]) {
  console.log("building dist/critique …");
  if ((await Bun.spawn(["bun", "run", "build"], { cwd: ROOT, stdout: "ignore", stderr: "inherit" }).exited) !== 0) throw new Error("bun run build failed");
}

const dir = mkdtempSync(join(tmpdir(), "critique-bench-agent-"));
const upstream = AgentUpstream.start();
const config = join(dir, "critique.yaml");
writeFileSync(config, Bun.YAML.stringify({ providers: [{ id: "bench", baseUrl: upstream.fake.baseURL }], models: [{ id: "coder", targets: [{ provider: "bench", model: "up" }] }], codingAgent: { idleTtlSeconds: 600 } }));
const env = { CRITIQUE_DATA_DIR: join(dir, "data"), CRITIQUE_CONFIG: config, CRITIQUE_OPENCODE_BIN: OPENCODE, CRITIQUE_JOB_CONCURRENCY: String(Math.max(8, CONCURRENT)), CRITIQUE_LOG_LEVEL: "warn" };
const server = await startServer(BINARY, dir, env);
const key = JSON.parse(await cli(BINARY, ["keys", "create", "--name", "bench", "--scopes", "read:builder,write:builder", "--json"], dir, env)).key;
const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
const api = (path: string, init: RequestInit = {}) => fetch(`${server.url}/api/v1/coding-agent${path}`, { ...init, headers });

/** Opens the run's stream and resolves with the arrival time of the first event matching `match`, after `afterSeq`. */
async function firstEvent(runId: string, afterSeq: number, match: (event: string, data: any) => boolean): Promise<{ at: number; data: any; seq: number }> {
  const res = await fetch(`${server.url}/api/v1/coding-agent/runs/${runId}/stream`, { headers: { ...headers, "last-event-id": String(afterSeq) }, signal: AbortSignal.timeout(300_000) });
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body!) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data && match(event, JSON.parse(data))) return { at: performance.now(), data: JSON.parse(data), seq: Number(/^id: (\d+)$/m.exec(block)?.[1]) };
    }
  }
  throw new Error(`stream of ${runId} ended without the event`);
}
const idle = (runId: string, after: number) => firstEvent(runId, after, (e, d) => e === "turn.completed" || (e === "status" && ["FAILED", "EXPIRED"].includes(d.status)));

const rows: { post: number[]; sandbox: number[]; agent: number[]; cold: number[]; warm: number[] } = { post: [], sandbox: [], agent: [], cold: [], warm: [] };
try {
  for (let i = 0; i < RUNS; i++) {
    upstream.script({ tool: "write", filePath: "/workspace/a.txt", content: "a\n" }, { say: "ok" }, { tool: "write", filePath: "/workspace/b.txt", content: "b\n" }, { say: "ok" });
    const t0 = performance.now();
    const created = await api("/runs", { method: "POST", body: JSON.stringify({ prompt: `Bench run ${i}` }) });
    const id = ((await created.json()) as any).run.id;
    const [first, running, call] = await Promise.all([firstEvent(id, 0, () => true), firstEvent(id, 0, (e, d) => e === "status" && d.status === "RUNNING"), firstEvent(id, 0, (e) => e === "tool.call")]);
    rows.post.push(first.at - t0);
    rows.sandbox.push(running.data.sandboxReadyMs);
    rows.agent.push(running.data.agentReadyMs);
    rows.cold.push(call.at - t0);
    const done = await idle(id, call.seq);
    const t1 = performance.now();
    await api(`/runs/${id}/messages`, { method: "POST", body: JSON.stringify({ prompt: "Again" }) });
    const warm = await firstEvent(id, done.seq, (e) => e === "tool.call");
    rows.warm.push(warm.at - t1);
    await idle(id, warm.seq);
    await api(`/runs/${id}/cancel`, { method: "POST" });
  }

  const before = await rssMb(server.pid);
  const started = performance.now();
  const ids = await Promise.all(
    Array.from({ length: CONCURRENT }, async (_, i) => ((await (await api("/runs", { method: "POST", body: JSON.stringify({ prompt: `Concurrent ${i}` }) })).json()) as any).run.id as string),
  );
  const outcomes = await Promise.all(ids.map((id) => idle(id, 0)));
  const wall = performance.now() - started;
  const peak = await rssMb(server.pid);
  const failures = outcomes.filter((o) => o.data.status === "FAILED" || o.data.status === "EXPIRED");
  const failed = failures.length;
  if (failed) console.error(`first failure: ${failures[0].data.reason}`);
  await Promise.all(ids.map((id) => api(`/runs/${id}/cancel`, { method: "POST" })));

  const ms = (values: number[]) => `${median(values).toFixed(0)} ms (min ${Math.min(...values).toFixed(0)}, max ${Math.max(...values).toFixed(0)})`;
  console.log(`\nCoding Agent API, ${RUNS} cold runs + ${RUNS} warm follow-ups, then ${CONCURRENT} concurrent runs (instant upstream, bwrap + OpenCode)\n`);
  console.log("| measure | critique | target |");
  console.log("|---|---|---|");
  console.log(`| POST → first streamed event | ${ms(rows.post)} | ≤ 100 ms |`);
  console.log(`| local sandbox ready (bwrap + bridge) | ${ms(rows.sandbox)} | ≤ 500 ms |`);
  console.log(`| agent ready (OpenCode answering) | ${ms(rows.agent)} | – |`);
  console.log(`| first tool call: cold run (POST → tool.call) | ${ms(rows.cold)} | – |`);
  console.log(`| first tool call: warm follow-up | ${ms(rows.warm)} | – |`);
  console.log(`| warm ÷ cold speed-up | ${(median(rows.cold) / median(rows.warm)).toFixed(1)}× | ≥ 5× |`);
  console.log(`| ${CONCURRENT} concurrent runs to IDLE (wall) | ${(wall / 1000).toFixed(1)} s, ${failed} failed | – |`);
  console.log(`| server RSS growth per warm run | ${((peak - before) / CONCURRENT).toFixed(2)} MB (${before.toFixed(0)} → ${peak.toFixed(0)} MB) | ≤ 10 MB |`);
} finally {
  await server.stop();
  upstream.stop();
  rmSync(dir, { recursive: true, force: true });
}
