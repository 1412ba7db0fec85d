import { z } from "zod";
import { defineJob } from "../../../src/jobs/define.ts";
import { runCheckpoint } from "./run.ts";

/** One checkpoint evaluation: fetch the change, apply the rules, record the outcome. */
export const checkpointJob = defineJob({
  name: "checkpoints.run",
  payload: z.object({ checkpointId: z.string() }),
  timeoutMs: 5 * 60_000,
  maxAttempts: 3,
  backoff: { baseMs: 2_000, maxMs: 60_000 },
  run: (ctx, payload, attempt): Promise<unknown> => runCheckpoint(ctx, payload.checkpointId, attempt.attempt >= 3),
});
