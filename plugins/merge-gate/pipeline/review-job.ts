import { z } from "zod";
import { declareJob } from "../../../src/jobs/define.ts";

/**
 * One execution of a review run. The payload names the execution so a stale job never touches a re-run.
 * Declared apart from its handler (job.ts) so that queueing a run (runs.ts) does not import the pipeline.
 */
export const reviewJob = declareJob({
  name: "reviews.run",
  payload: z.object({ runId: z.string(), execution: z.number().int().min(1) }),
  // A hard ceiling; the pipeline enforces the configured review timeout itself and fails the run with a reason.
  timeoutMs: 60 * 60_000,
  maxAttempts: 3,
  backoff: { baseMs: 2_000, maxMs: 60_000 },
});
