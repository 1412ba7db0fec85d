#!/usr/bin/env bun
/**
 * Job scheduler figures, per driver and database, printed side by side:
 *   - backlog drain: N jobs waiting, workers started, time until every row is `completed`; and the CPU this
 *     process spent per job meanwhile (the database and Redis servers' own CPU is not included)
 *   - enqueue + run: N jobs enqueued by 32 concurrent producers while workers run, until all `completed`
 *   - pickup p50/p99: from the `enqueue()` call to the handler starting, one job at a time, enqueued by the
 *     worker's own process, and by another (a context without workers, as a CLI or a second server would be)
 * Jobs are no-ops, so the figures are the scheduler's own cost (row writes, queue hops), not a handler's.
 *
 *   bun bench/jobs.ts [--jobs 5000] [--samples 300] [--concurrency 32] [--legs local-sqlite,redis-pg,...]
 * Postgres and Redis come from CRITIQUE_BENCH_PG_URL / CRITIQUE_BENCH_REDIS_URL (default: the test services).
 */
import { parseArgs } from "node:util";
import { count, inArray } from "drizzle-orm";
import { z } from "zod";
import type { AppContext } from "../src/context.ts";
import { defineJob } from "../src/jobs/define.ts";
import { closeContext } from "../src/runtime.ts";
import { type Leg, legs, openLeg } from "./jobs-backends.ts";

const { values: options } = parseArgs({
  options: {
    jobs: { type: "string", default: "5000" },
    samples: { type: "string", default: "300" },
    concurrency: { type: "string", default: "32" },
    legs: { type: "string", default: legs.map((l) => l.name).join(",") },
  },
});
const N = Number(options.jobs);
const SAMPLES = Number(options.samples);

/** Handler start times by sequence number, and who is waiting for them. */
const started = new Map<number, (at: number) => void>();
const noop = defineJob({
  name: "bench.noop",
  payload: z.object({ seq: z.number().int() }),
  timeoutMs: 30_000,
  run: async (_ctx, { seq }) => {
    started.get(seq)?.(performance.now());
    return null;
  },
});
let seq = 0;

/** Every row is enqueued before we wait, so "none queued or running" means all completed. */
async function untilDrained(ctx: AppContext): Promise<void> {
  const t = ctx.tables.jobs;
  for (;;) {
    const [row] = await ctx.db.select({ n: count() }).from(t).where(inArray(t.status, ["queued", "running"]));
    if (Number(row.n) === 0) return;
    await Bun.sleep(20);
  }
}

async function enqueueMany(ctx: AppContext, n: number, producers: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: producers }, async () => {
      while (next++ < n) await ctx.jobs.enqueue(noop, { seq: seq++ });
    }),
  );
}

/** Milliseconds from the enqueue call to the handler's start, one job at a time. */
async function pickup(producer: AppContext, samples: number, maxGapMs: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const mine = seq++;
    const begin = performance.now();
    const startedAt = new Promise<number>((resolve) => started.set(mine, resolve));
    await producer.jobs.enqueue(noop, { seq: mine });
    latencies.push((await startedAt) - begin);
    started.delete(mine);
    // Let the completion write land, and vary the phase against the poll loop (a fixed gap would always hit
    // the same point of the poll interval).
    await Bun.sleep(2 + Math.random() * maxGapMs);
  }
  return latencies.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function measure(leg: Leg): Promise<Record<string, string>> {
  const backend = await openLeg(leg, { CRITIQUE_JOB_CONCURRENCY: options.concurrency });
  try {
    const worker = await backend.context();
    const other = await backend.context(); // never started: enqueues like another process
    worker.jobs.register(noop);
    // Backlog first, while nothing runs.
    await enqueueMany(worker, N, 32);
    let t0 = performance.now();
    const cpu0 = process.cpuUsage();
    worker.jobs.start(worker);
    await untilDrained(worker);
    const drain = N / ((performance.now() - t0) / 1000);
    const cpu = process.cpuUsage(cpu0);
    const cpuPerJobMs = (cpu.user + cpu.system) / 1000 / N;
    t0 = performance.now();
    await enqueueMany(worker, N, 32);
    await untilDrained(worker);
    const endToEnd = N / ((performance.now() - t0) / 1000);
    const local = await pickup(worker, SAMPLES, 5);
    const remote = await pickup(other, Math.min(SAMPLES, 60), Number(backend.env.CRITIQUE_JOB_POLL_MS ?? 250));
    await closeContext(other);
    await closeContext(worker, 5_000);
    const f = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
    return {
      "backlog drain (jobs/s)": drain.toFixed(0),
      "  CPU per job in this process": `${cpuPerJobMs.toFixed(3)} ms`,
      "enqueue + run (jobs/s)": endToEnd.toFixed(0),
      "pickup p50, same process": f(pct(local, 50)),
      "pickup p99, same process": f(pct(local, 99)),
      "pickup p50, other process": f(pct(remote, 50)),
      "pickup p99, other process": f(pct(remote, 99)),
    };
  } finally {
    await backend.dispose();
  }
}

const chosen = legs.filter((l) => options.legs.split(",").includes(l.name));
const results: Record<string, Record<string, string>> = {};
for (const leg of chosen) {
  process.stderr.write(`running ${leg.name}…\n`);
  results[leg.label] = await measure(leg).catch((error) => ({ error: String(error?.message ?? error) }));
}
const rows = [...new Set(Object.values(results).flatMap((r) => Object.keys(r)))];
const columns = Object.keys(results);
const width = Math.max(...rows.map((r) => r.length)) + 2;
const colWidth = Math.max(14, ...columns.map((c) => c.length + 2));
console.log(`\njobs: ${N} no-op jobs, worker concurrency ${options.concurrency}, ${SAMPLES} pickup samples; Bun ${Bun.version}`);
console.log("".padEnd(width) + columns.map((c) => c.padStart(colWidth)).join(""));
for (const row of rows) console.log(row.padEnd(width) + columns.map((c) => (results[c][row] ?? "-").padStart(colWidth)).join(""));
