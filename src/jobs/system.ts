import { z } from "zod";
import { creditReclaim } from "../credits/reclaim.ts";
import { defineJob } from "./define.ts";
import { abortableSleep } from "./sleep.ts";

/**
 * `system.echo`: an operator's smoke test of the whole job path (enqueue → driver → worker → row). It waits
 * `delayMs` (abortable) and returns its message with the attempt that ran it.
 */
export const systemEcho = defineJob({
  name: "system.echo",
  payload: z.object({
    message: z.string().max(1_000),
    delayMs: z.number().int().min(0).max(60_000).default(0),
  }),
  timeoutMs: 90_000,
  maxAttempts: 3,
  backoff: { baseMs: 1_000, maxMs: 10_000 },
  operatorEnqueueable: true,
  run: async (_ctx, { message, delayMs }, { signal, attempt }) => {
    if (delayMs > 0) await abortableSleep(delayMs, signal);
    return { message, attempt };
  },
});

/** Job types and periodic tasks the core itself runs; features register theirs alongside. */
export const systemJobs = [systemEcho, creditReclaim];
