import { defineJob } from "../../../src/jobs/define.ts";
import { checkpointJob } from "./checkpoint-job.ts";
import { runCheckpoint } from "./run.ts";

/** The checkpoint job's handler; its last attempt records a failure instead of throwing. */
export const checkpointWorker = defineJob({
  ...checkpointJob,
  run: (ctx, payload, attempt): Promise<unknown> => runCheckpoint(ctx, payload.checkpointId, attempt.attempt >= checkpointJob.maxAttempts),
});
