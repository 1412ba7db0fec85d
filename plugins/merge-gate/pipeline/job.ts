import { z } from "zod";
import { defineJob } from "../../../src/jobs/define.ts";
import { runReview } from "./run-review.ts";

const MAX_ATTEMPTS = 3;

/** One execution of a review run. The payload names the execution so a stale job never touches a re-run. */
export const reviewJob = defineJob({
  name: "reviews.run",
  payload: z.object({ runId: z.string(), execution: z.number().int().min(1) }),
  // A hard ceiling; the pipeline enforces the configured review timeout itself and fails the run with a reason.
  timeoutMs: 60 * 60_000,
  maxAttempts: MAX_ATTEMPTS,
  backoff: { baseMs: 2_000, maxMs: 60_000 },
  run: (ctx, payload, attempt): Promise<unknown> => runReview(ctx, payload, attempt, MAX_ATTEMPTS),
});
