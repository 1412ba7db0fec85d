import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { AppContext } from "../src/context.ts";
import { openDatabase } from "../src/db/client.ts";
import { loadConfig } from "../src/config/index.ts";
import { defineJob } from "../src/jobs/define.ts";
import { abortableSleep } from "../src/jobs/sleep.ts";
import { JobStore } from "../src/jobs/store.ts";
import type { TestBackends } from "./helpers/databases.ts";
import { testQueue } from "./helpers/env.ts";
import { closeContext, jobContext, waitFor, withBackends } from "./helpers/jobs.ts";

/** Separate connections to the leg's database, as separate processes would have (few: each is a pool). */
function connections(backends: TestBackends, n: number) {
  const config = loadConfig(backends.env);
  return Array.from({ length: n }, () => openDatabase(config.database));
}

const ran: { jobId: string; attempt: number }[] = [];
const counted = defineJob({
  name: "test.counted",
  payload: z.object({ sleepFirstMs: z.number().int().default(0) }),
  timeoutMs: 20_000,
  maxAttempts: 3,
  run: async (_ctx, { sleepFirstMs }, { jobId, attempt, signal }) => {
    ran.push({ jobId, attempt });
    if (attempt === 1 && sleepFirstMs) {
      await abortableSleep(sleepFirstMs, signal);
    }
    return attempt;
  },
});

async function started(backends: TestBackends, env: Record<string, string> = {}): Promise<AppContext> {
  const ctx = await jobContext(backends, env);
  ctx.jobs.register(counted);
  ctx.jobs.start(ctx);
  return ctx;
}

describe("claims", () => {
  test("concurrent pollers on separate connections never claim the same row", () =>
    withBackends(async (backends) => {
      const dbs = connections(backends, 4);
      try {
        await dbs[0].migrate();
        const stores = dbs.map((d, i) => new JobStore(d.db, d.tables, `poller-${i}`, 60_000));
        for (let i = 0; i < 60; i++) await stores[0].insert({ name: "test.claim", payload: {}, maxAttempts: 1, runAt: new Date() });
        const t = dbs[0].tables.jobs;
        const claimedBy = await Promise.all(
          stores.map(async (store, i) => {
            const mine: string[] = [];
            for (;;) {
              const rows = await store.claimDue(3, ["test.claim"]);
              mine.push(...rows.map((r) => r.id));
              // An empty claim can mean "lost the race", not "nothing left": stop only when nothing is queued.
              if (rows.length === 0 && (await dbs[i].db.select().from(t).where(eq(t.status, "queued"))).length === 0) return mine;
            }
          }),
        );
        const all = claimedBy.flat();
        expect(all.length).toBe(60);
        expect(new Set(all).size).toBe(60);
      } finally {
        for (const d of dbs) await d.close();
      }
    }));

  test("of many workers claiming one delivered id, exactly one wins", () =>
    withBackends(async (backends) => {
      const dbs = connections(backends, 4);
      try {
        await dbs[0].migrate();
        const stores = dbs.map((d, i) => new JobStore(d.db, d.tables, `worker-${i}`, 60_000));
        for (let round = 0; round < 5; round++) {
          const { row } = await stores[0].insert({ name: "test.claim", payload: {}, maxAttempts: 1, runAt: new Date() });
          const results = await Promise.all(stores.map((s) => s.claimById(row.id, ["test.claim"])));
          const winners = results.filter(Boolean);
          expect(winners.length).toBe(1);
          expect(winners[0]!.attempts).toBe(1);
        }
      } finally {
        for (const d of dbs) await d.close();
      }
    }));
});

describe(`two processes sharing one queue (${testQueue})`, () => {
  test("every job runs exactly once", () =>
    withBackends(async (backends) => {
      const a = await started(backends);
      const b = await started(backends);
      try {
        const ids: string[] = [];
        for (let i = 0; i < 80; i++) ids.push(await (i % 2 ? a : b).jobs.enqueue(counted, {}));
        await waitFor("all 80 jobs to complete", async () => {
          const page = await a.jobs.list({ status: "completed", limit: 100 });
          return page.jobs.length === 80;
        });
        const mine = ran.filter((r) => ids.includes(r.jobId));
        expect(mine.length).toBe(80);
        expect(new Set(mine.map((r) => r.jobId)).size).toBe(80);
      } finally {
        await closeContext(a);
        await closeContext(b);
      }
    }));
});

describe("one-shot commands", () => {
  test("a context that never starts workers enqueues, closes cleanly, and a worker started later runs the job", () =>
    withBackends(async (backends) => {
      const oneShot = await jobContext(backends);
      const id = await oneShot.jobs.enqueue(counted, {});
      await Bun.sleep(200);
      expect((await oneShot.jobs.get(id))?.status).toBe("queued");
      await closeContext(oneShot);
      const worker = await started(backends);
      try {
        const row = await waitFor("the worker to run it", async () => {
          const r = await worker.jobs.get(id);
          return r?.status === "completed" ? r : undefined;
        });
        expect(row.attempts).toBe(1);
      } finally {
        await closeContext(worker);
      }
    }));
});

describe("shutdown", () => {
  const statusOf = async (backends: TestBackends, id: string) => {
    const [db] = connections(backends, 1);
    try {
      return await new JobStore(db.db, db.tables, "reader", 1).get(id);
    } finally {
      await db.close();
    }
  };

  test("stopping waits for a running job to finish", () =>
    withBackends(async (backends) => {
      const ctx = await started(backends);
      const id = await ctx.jobs.enqueue(counted, { sleepFirstMs: 700 });
      await waitFor("the job to start", async () => (await ctx.jobs.get(id))?.status === "running");
      await closeContext(ctx, 10_000);
      const row = await statusOf(backends, id);
      expect(row?.status).toBe("completed");
      expect(row?.attempts).toBe(1);
    }));

  test("past the drain timeout a running job is interrupted, handed back, and finished by the next process", () =>
    withBackends(async (backends) => {
      const first = await started(backends);
      const id = await first.jobs.enqueue(counted, { sleepFirstMs: 15_000 });
      await waitFor("the job to start", async () => (await first.jobs.get(id))?.status === "running");
      await closeContext(first, 200);
      const handedBack = await statusOf(backends, id);
      expect(handedBack?.status).toBe("queued");
      expect(handedBack?.lastError).toMatch(/interrupted/);
      expect(handedBack?.leaseUntil).toBeNull();
      const next = await started(backends);
      try {
        const row = await waitFor("the next process to finish it", async () => {
          const r = await next.jobs.get(id);
          return r?.status === "completed" ? r : undefined;
        });
        expect(row.attempts).toBe(2);
        expect(row.result).toBe(2);
      } finally {
        await closeContext(next);
      }
    }));
});

describe(`an idle in-database queue (${testQueue})`, () => {
  test.if(testQueue === "local")("backs off while idle, yet picks up work at once in its own process and within the idle interval from another", () =>
    withBackends(async (backends) => {
      // Polls every 20 ms while busy, backing off up to 1.5 s while idle.
      const env = { CRITIQUE_JOB_POLL_MS: "20", CRITIQUE_JOB_IDLE_POLL_MS: "1500" };
      const worker = await started(backends, env);
      const other = await jobContext(backends, env); // enqueues only, as a CLI or another server would
      try {
        await Bun.sleep(3_500); // long enough to reach the longest idle sleep (20, 40, … 1280, 1500 ms)
        const local = Date.now();
        const mine = await worker.jobs.enqueue(counted, {});
        await waitFor("the local job", async () => (await worker.jobs.get(mine))?.status === "completed");
        expect(Date.now() - local).toBeLessThan(1_000); // woken by its own enqueue, not left to the next idle poll
        await Bun.sleep(3_500);
        const remote = Date.now();
        const theirs = await other.jobs.enqueue(counted, {});
        await waitFor("the other process's job", async () => (await worker.jobs.get(theirs))?.status === "completed");
        expect(Date.now() - remote).toBeLessThan(4_000); // at most one idle interval (1.5 s) plus the run
      } finally {
        await closeContext(other);
        await closeContext(worker);
      }
    }));
});
