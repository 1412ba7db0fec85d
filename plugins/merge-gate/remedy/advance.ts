import type { AppContext } from "../../../src/context.ts";
import type { JobAttempt } from "../../../src/jobs/index.ts";
import { ACTIVE_STATUSES, type RemedyStatus } from "./model.ts";
import { watchFix } from "./fix.ts";
import { watchReReview } from "./re-review.ts";
import { failRemedy } from "./settle.ts";
import { startRemedy } from "./start.ts";
import { findRemedy } from "./store.ts";

export interface RemedyStep {
  /** What this attempt did, for the job's stored result and the logs. */
  did: string;
  /** The remedy waits for its fix run or its re-review: look again later even if no notice comes. */
  waiting: boolean;
}

/**
 * One step of a remedy, chosen by its stage. A step that throws is retried by the job; the last attempt ends the
 * remedy FAILED with the reason instead of leaving it active forever.
 */
export async function advanceRemedy(ctx: AppContext, remedyId: string, attempt: JobAttempt, maxAttempts: number): Promise<RemedyStep> {
  const remedy = await findRemedy(ctx, remedyId);
  if (!remedy || !ACTIVE_STATUSES.includes(remedy.status as RemedyStatus)) return { did: "nothing: the remedy has ended", waiting: false };
  try {
    if (remedy.stage === "queued") return await startRemedy(ctx, remedy);
    if (remedy.stage === "fixing") return await watchFix(ctx, remedy);
    return await watchReReview(ctx, remedy);
  } catch (error) {
    if (attempt.attempt < maxAttempts) throw error;
    return failRemedy(ctx, remedyId, `the remedy could not go on after ${attempt.attempt} attempts: ${(error as Error).message}`.slice(0, 1_000));
  }
}
