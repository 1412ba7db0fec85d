import { z } from "zod";
import { defineJob } from "../../src/jobs/index.ts";
import { handOffTurn } from "./handoff.ts";
import { servicesOf } from "./services.ts";
import { findRun } from "./store.ts";
import { runTurn } from "./turn.ts";

/**
 * One turn of a run. Two attempts: the second one only happens when the first one's process died, and it ends
 * the run FAILED with that reason (a local sandbox dies with its process) instead of leaving it stuck. A follow-up
 * whose local sandbox another process holds is handed to that process (handoff.ts).
 */
export const turnJob = defineJob({
  name: "coding-agent.turn",
  payload: z.object({ runId: z.string(), turn: z.number().int().min(1) }),
  timeoutMs: 25 * 60 * 60_000,
  maxAttempts: 2,
  backoff: { baseMs: 100, maxMs: 1_000 },
  run: async (ctx, { runId, turn }, attempt) => {
    const services = servicesOf(ctx);
    const run = await findRun(ctx, runId);
    const elsewhere = run && turn > 1 && run.provider === "local" && run.sandboxOwner && run.sandboxOwner !== services.processId;
    if (elsewhere && !services.provider.find(runId)) return handOffTurn(ctx, services, run, turn, attempt.signal);
    return runTurn(ctx, services, runId, turn, attempt);
  },
});
