import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { AppContext } from "../src/context.ts";
import { AppError } from "../src/errors.ts";
import { backoffDelay } from "../src/jobs/backoff.ts";
import { defineJob, PermanentJobError } from "../src/jobs/define.ts";
import { abortableSleep } from "../src/jobs/sleep.ts";
import { createBackends, type TestBackends } from "./helpers/databases.ts";
import { testQueue } from "./helpers/env.ts";
import { closeContext, jobContext, waitFor } from "./helpers/jobs.ts";

/** What handlers saw: per job id, each attempt number and when it started. */
const runs = new Map<string, { attempt: number; at: number }[]>();
const record = (jobId: string, attempt: number) => runs.set(jobId, [...(runs.get(jobId) ?? []), { attempt, at: Date.now() }]);

const payload = z.object({ failTimes: z.number().int().default(0), sleepMs: z.number().int().default(0), permanent: z.boolean().default(false) });
const sleep = abortableSleep;

const flaky = defineJob({
  name: "test.flaky",
  payload,
  timeoutMs: 5_000,
  maxAttempts: 3,
  backoff: { baseMs: 300, maxMs: 2_000 },
  run: async (_ctx, input, { attempt, jobId, signal }) => {
    record(jobId, attempt);
    if (input.sleepMs) await sleep(input.sleepMs, signal);
    if (input.permanent) throw new PermanentJobError("bad input, do not retry");
    if (attempt <= input.failTimes) throw new Error(`boom on attempt ${attempt}`);
    return { ok: true, attempt };
  },
});

/** Ignores its signal on purpose: the runner must still end the attempt at the timeout. */
const stubborn = defineJob({
  name: "test.stubborn",
  payload: z.object({}),
  timeoutMs: 300,
  maxAttempts: 2,
  backoff: { baseMs: 10, maxMs: 10 },
  run: async (_ctx, _input, { attempt, jobId }) => {
    record(jobId, attempt);
    if (attempt === 1) await Bun.sleep(3_000);
    return "second attempt in time";
  },
});

/** Honours its signal; one attempt only, so the timeout is the final word. */
const slowOnce = defineJob({
  name: "test.slow-once",
  payload: z.object({}),
  timeoutMs: 200,
  maxAttempts: 1,
  run: (_ctx, _input, { signal }) => sleep(5_000, signal),
});

let backends: TestBackends;
let ctx: AppContext;
beforeAll(async () => {
  backends = await createBackends();
  ctx = await jobContext(backends);
  ctx.jobs.register(flaky, stubborn, slowOnce);
  ctx.jobs.start(ctx);
});
afterAll(async () => {
  await closeContext(ctx);
  await backends.dispose();
});

const settled = (id: string, timeoutMs?: number) =>
  waitFor(`job ${id} to settle`, async () => {
    const row = await ctx.jobs.get(id);
    return row && ["completed", "failed"].includes(row.status) ? row : undefined;
  }, timeoutMs);

describe(`job runner (${testQueue} driver)`, () => {
  test("the driver is the one the leg asks for", () => {
    expect(ctx.jobs.driver.kind).toBe(testQueue);
  });

  test("a job runs once and stores its result", async () => {
    const id = await ctx.jobs.enqueue(flaky, {});
    const row = await settled(id);
    expect(row.status).toBe("completed");
    expect(row.attempts).toBe(1);
    expect(row.result).toEqual({ ok: true, attempt: 1 });
    expect(row.finishedAt).toBeInstanceOf(Date);
    expect(row.leaseUntil).toBeNull();
    expect(runs.get(id)?.map((r) => r.attempt)).toEqual([1]);
  });

  test("a failing job is retried with growing backoff until it succeeds", async () => {
    const id = await ctx.jobs.enqueue(flaky, { failTimes: 2 });
    const row = await settled(id);
    expect(row.status).toBe("completed");
    expect(row.attempts).toBe(3);
    expect(row.lastError).toBeNull();
    const seen = runs.get(id)!;
    expect(seen.map((r) => r.attempt)).toEqual([1, 2, 3]);
    // Equal jitter waits at least half the exponential step: 150 ms, then 300 ms.
    expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(150);
    expect(seen[2].at - seen[1].at).toBeGreaterThanOrEqual(300);
  });

  test("a job that keeps failing ends failed with its last error", async () => {
    const id = await ctx.jobs.enqueue(flaky, { failTimes: 99 });
    const row = await settled(id);
    expect(row.status).toBe("failed");
    expect(row.attempts).toBe(3);
    expect(row.lastError).toBe("boom on attempt 3");
    expect(row.finishedAt).toBeInstanceOf(Date);
  });

  test("a PermanentJobError is not retried", async () => {
    const id = await ctx.jobs.enqueue(flaky, { permanent: true });
    const row = await settled(id);
    expect(row.status).toBe("failed");
    expect(row.attempts).toBe(1);
    expect(row.lastError).toBe("bad input, do not retry");
  });

  test("the timeout fails the attempt even when the handler ignores its signal", async () => {
    const id = await ctx.jobs.enqueue(stubborn, {});
    const row = await settled(id);
    expect(row.status).toBe("completed");
    expect(row.attempts).toBe(2);
    expect(row.result).toBe("second attempt in time");
    expect(runs.get(id)?.map((r) => r.attempt)).toEqual([1, 2]);
  });

  test("a timed-out last attempt leaves the row failed with the timeout as its error", async () => {
    const id = await ctx.jobs.enqueue(slowOnce, {});
    const row = await settled(id);
    expect(row.status).toBe("failed");
    expect(row.lastError).toBe("timed out after 200 ms");
  });

  test("a dedupe key returns the first job and enqueues nothing more", async () => {
    const key = `dedupe-${Date.now()}`;
    const first = await ctx.jobs.enqueue(flaky, {}, { dedupeKey: key });
    const second = await ctx.jobs.enqueue(flaky, { failTimes: 1 }, { dedupeKey: key });
    expect(second).toBe(first);
    const row = await settled(first);
    expect(row.payload).toEqual({ failTimes: 0, sleepMs: 0, permanent: false });
    expect(runs.get(first)?.length).toBe(1);
  });

  test("an invalid payload is refused before any row is written", async () => {
    const error = await ctx.jobs.enqueue(flaky, { failTimes: "x" as never }).catch((e) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe("VALIDATION");
    expect(error.message).toMatch(/^payload\.failTimes: /);
  });

  test("a job does not start before its runAt", async () => {
    const runAt = new Date(Date.now() + 600);
    const id = await ctx.jobs.enqueue(flaky, {}, { runAt });
    const row = await settled(id);
    expect(row.status).toBe("completed");
    expect(runs.get(id)![0].at).toBeGreaterThanOrEqual(runAt.getTime());
  });

  test("a cancelled queued job never runs, and a finished one cannot be cancelled", async () => {
    const id = await ctx.jobs.enqueue(flaky, {}, { runAt: new Date(Date.now() + 300) });
    expect(await ctx.jobs.cancel(id)).toBe(true);
    const done = await ctx.jobs.enqueue(flaky, { sleepMs: 500 });
    await settled(done);
    expect(await ctx.jobs.cancel(done)).toBe(false);
    const row = await ctx.jobs.get(id);
    expect(row?.status).toBe("cancelled");
    expect(row?.attempts).toBe(0);
    expect(runs.get(id)).toBeUndefined();
  });

  test("stale deliveries of a finished job never run it again", async () => {
    const id = await ctx.jobs.enqueue(flaky, {});
    await settled(id);
    // Replays of the original delivery and of a later attempt, as a crashed broker or a sweep could send them.
    await ctx.jobs.driver.deliver({ id, runAt: new Date(), attempts: 0 });
    await ctx.jobs.driver.deliver({ id, runAt: new Date(), attempts: 7 });
    const barrier = await ctx.jobs.enqueue(flaky, { sleepMs: 200 });
    await settled(barrier);
    const row = await ctx.jobs.get(id);
    expect(row?.attempts).toBe(1);
    expect(runs.get(id)?.length).toBe(1);
  });
});

describe("backoff", () => {
  test("grows exponentially, is capped, and keeps half of each step fixed", () => {
    const steps = { baseMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, steps, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, steps, () => 1))).toEqual([100, 200, 400, 800, 1_000]);
  });
});

describe("lost workers", () => {
  /** The row as a worker left it when it was SIGKILLed mid-job: running, attempt 1, its lease run out. */
  async function enqueueAsIfItsWorkerDied(maxAttempts: number) {
    // Due only in a minute, so no live worker claims it before we make it look taken. (maxAttempts is
    // copied into the row at enqueue time, so a variant of the definition sets it for this row alone.)
    const id = await ctx.jobs.enqueue({ ...flaky, maxAttempts }, {}, { runAt: new Date(Date.now() + 60_000) });
    const past = new Date(Date.now() - 1_000);
    await ctx.db
      .update(ctx.tables.jobs)
      .set({ status: "running", attempts: 1, lockedBy: "dead-worker", leaseUntil: past, runAt: past })
      .where(eq(ctx.tables.jobs.id, id));
    return id;
  }

  test("a job whose worker vanished runs again once its lease expires", async () => {
    const id = await enqueueAsIfItsWorkerDied(3);
    const row = await settled(id);
    expect(row.status).toBe("completed");
    expect(row.attempts).toBe(2);
    expect(runs.get(id)?.map((r) => r.attempt)).toEqual([2]);
  });

  test("a job that loses its worker on the last attempt ends failed, not in a loop", async () => {
    const id = await enqueueAsIfItsWorkerDied(1);
    const row = await settled(id);
    expect(row.status).toBe("failed");
    expect(row.lastError).toMatch(/lease expired/);
    expect(runs.get(id)).toBeUndefined();
  });
});
