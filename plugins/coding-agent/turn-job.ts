import { z } from "zod";
import { defineJob } from "../../src/jobs/index.ts";
import { servicesOf } from "./services.ts";
import { runTurn } from "./turn.ts";

/**
 * One turn of a run. Two attempts: the second one only happens when the first one's process died, and it ends
 * the run FAILED with that reason (a local sandbox dies with its process) instead of leaving it stuck.
 */
export const turnJob = defineJob({
  name: "coding-agent.turn",
  payload: z.object({ runId: z.string(), turn: z.number().int().min(1) }),
  timeoutMs: 25 * 60 * 60_000,
  maxAttempts: 2,
  backoff: { baseMs: 100, maxMs: 1_000 },
  run: (ctx, { runId, turn }, attempt) => runTurn(ctx, servicesOf(ctx), runId, turn, attempt),
});
