import { z } from "zod";
import type { AppContext } from "../../../src/context.ts";
import { defineJob } from "../../../src/jobs/index.ts";
import { advanceRemedy } from "./advance.ts";

/**
 * One job type moves a remedy on, whatever its stage: start the fix run, take its commit and queue the re-review,
 * judge the re-review. It is enqueued when something happened (queued; the fix run or the re-review changed, via
 * the core's hooks) and, as a watchdog, a few seconds after every step that waits, so a notice lost in a crash
 * only delays a remedy. Every step is a conditional update: two attempts at once act once.
 */
export const remedyJob = defineJob({
  name: "remedy.advance",
  payload: z.object({ remedyId: z.string() }),
  timeoutMs: 120_000,
  maxAttempts: 5,
  backoff: { baseMs: 1_000, maxMs: 30_000 },
  run: async (ctx, { remedyId }, attempt) => {
    const step = await advanceRemedy(ctx, remedyId, attempt, remedyJob.maxAttempts);
    if (step.waiting) await watchRemedy(ctx, remedyId);
    return step;
  },
});

/** How long a waiting remedy sleeps before it looks again if no notice woke it. */
export const WATCH_MS = 5_000;

export async function wakeRemedy(ctx: AppContext, remedyId: string): Promise<void> {
  await ctx.jobs.enqueue(remedyJob, { remedyId });
}

/** One watchdog per remedy per interval (the dedupe key names the interval), however many steps waited in it. */
export async function watchRemedy(ctx: AppContext, remedyId: string): Promise<void> {
  const slot = Math.floor(Date.now() / WATCH_MS) + 1;
  await ctx.jobs.enqueue(remedyJob, { remedyId }, { runAt: new Date(slot * WATCH_MS + 50), dedupeKey: `remedy:${remedyId}:watch:${slot}` });
}
