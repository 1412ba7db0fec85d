import type { AppContext, ServiceContext } from "../../../src/context.ts";
import { AppError } from "../../../src/errors.ts";
import type { RemedyStep } from "./advance.ts";
import { agentRunState, cancelAgentRun, completeAgentRun } from "../../coding-agent/api.ts";
import { findRun } from "../runs.ts";
import { announceRemedy } from "./announce.ts";
import { ACTIVE_STATUSES, type RemedyOutcome, type RemedyStatus } from "./model.ts";
import { recordRemedy } from "./record.ts";
import { asOwner } from "./owner.ts";
import { findRemedy, type RemedyRow, transitionRemedy } from "./store.ts";

export type RemedyEnding =
  | { status: "COMPLETED"; outcome: RemedyOutcome; resolvedFingerprints: string[]; remainingFingerprints: string[] }
  | { status: "FAILED" | "CANCELLED"; failureReason: string };

/**
 * Ends a remedy once (the first ending wins; the slot frees so the pull request can have another), then: the fix
 * run is stopped if it still runs, the credits it and the re-review used are recorded, the lifecycle event and the
 * passport timeline. Returns the ended row, or undefined when it had already ended.
 */
export async function endRemedy(ctx: AppContext, remedyId: string, ending: RemedyEnding): Promise<RemedyRow | undefined> {
  const current = await findRemedy(ctx, remedyId);
  if (!current || !ACTIVE_STATUSES.includes(current.status as RemedyStatus)) return undefined;
  // Counted before the ending is written, so no reader ever sees an ended remedy without its credits.
  const creditsUsed = await creditsOf(ctx, current);
  const ended = await transitionRemedy(ctx, remedyId, { statuses: ACTIVE_STATUSES }, { ...ending, creditsUsed, stage: "done", activeSlot: null, completedAt: new Date() });
  if (!ended) return undefined;
  await stopFixRun(ctx, ended);
  await announceRemedy(ctx, ended);
  await recordRemedy(ctx, ended);
  ctx.log.info({ remedyRunId: ended.id, status: ended.status, outcome: ended.outcome, reason: ended.failureReason }, "remedy ended");
  return ended;
}

/** Ends the remedy FAILED with the reason, as a step of the advance job (the step records what it did). */
export async function failRemedy(ctx: AppContext, remedyId: string, failureReason: string): Promise<RemedyStep> {
  await endRemedy(ctx, remedyId, { status: "FAILED", failureReason });
  return { did: `failed: ${failureReason}`, waiting: false };
}

async function stopFixRun(ctx: AppContext, remedy: RemedyRow): Promise<RemedyRow> {
  if (!remedy.codingAgentRunId) return remedy;
  const run = await agentRunState(ctx, remedy.codingAgentRunId);
  if (!run) return remedy;
  try {
    if (run.status === "IDLE") await completeAgentRun(ctx, run.id, `remedy ${remedy.id} ended (${remedy.status})`);
    else if (["QUEUED", "PROVISIONING", "RUNNING"].includes(run.status)) await cancelAgentRun(await asOwner(ctx, remedy), run.id);
  } catch (error) {
    if (!(error instanceof AppError && error.code === "CONFLICT")) throw error; // it ended by itself meanwhile
  }
  return remedy;
}

/** The fix run's credits (tokens and sandbox time) plus the re-review's charge, in micro-credits. */
async function creditsOf(ctx: AppContext, remedy: RemedyRow): Promise<number> {
  const agent = remedy.codingAgentRunId ? ((await agentRunState(ctx, remedy.codingAgentRunId))?.creditsUsedMicro ?? 0) : 0;
  const review = remedy.followUpReviewRunId ? ((await findRun(ctx, remedy.followUpReviewRunId))?.creditsCharged ?? 0) : 0;
  return agent + review;
}

/** Cancels an active remedy: its fix run is cancelled too; a commit already pushed stays (it is on GitHub). */
export async function cancelRemedy(ctx: ServiceContext, remedy: RemedyRow): Promise<RemedyRow> {
  const ended = await endRemedy(ctx, remedy.id, { status: "CANCELLED", failureReason: "cancelled through the API" });
  if (!ended) throw new AppError("CONFLICT", `Remedy run ${remedy.id} already ended (${(await findRemedy(ctx, remedy.id))?.status ?? remedy.status})`);
  return ended;
}
