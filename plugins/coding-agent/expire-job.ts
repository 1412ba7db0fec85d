import { z } from "zod";
import { defineJob } from "../../src/jobs/index.ts";
import { completeIdleRun } from "./lifecycle.ts";
import { servicesOf } from "./services.ts";
import { findRun } from "./store.ts";

/** At the idle TTL: a run still IDLE since that turn is COMPLETED and its warm sandbox released. */
export const expireJob = defineJob({
  name: "coding-agent.expire",
  payload: z.object({ runId: z.string(), turn: z.number().int().min(1) }),
  timeoutMs: 60_000,
  maxAttempts: 5,
  run: async (ctx, { runId, turn }) => {
    const run = await findRun(ctx, runId);
    if (run?.status !== "IDLE" || run.turns !== turn || !run.idleUntil || run.idleUntil.getTime() > Date.now() + 50) return;
    await completeIdleRun(ctx, servicesOf(ctx), runId, turn);
  },
});
