import { z } from "zod";
import { declareJob } from "../../../src/jobs/define.ts";

/**
 * One checkpoint evaluation: fetch the change, apply the rules, record the outcome. Declared apart from its
 * handler (job.ts) so that recording a checkpoint (service.ts) does not import what evaluates it.
 */
export const checkpointJob = declareJob({
  name: "checkpoints.run",
  payload: z.object({ checkpointId: z.string() }),
  timeoutMs: 5 * 60_000,
  maxAttempts: 3,
  backoff: { baseMs: 2_000, maxMs: 60_000 },
});
