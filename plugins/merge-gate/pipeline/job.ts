import { defineJob } from "../../../src/jobs/define.ts";
import { reviewJob } from "./review-job.ts";
import { runReview } from "./run-review.ts";

/** The review job's handler, registered by the merge gate's plugin. */
export const reviewWorker = defineJob({
  ...reviewJob,
  run: (ctx, payload, attempt): Promise<unknown> => runReview(ctx, payload, attempt, reviewJob.maxAttempts),
});
