import type { AppContext } from "../../../src/context.ts";
import { AppError } from "../../../src/errors.ts";
import { agentRunState, completeAgentRun, followUpAgentRun } from "../../coding-agent/api.ts";
import { pushedBeforeCrash } from "./adopt.ts";
import type { RemedyStep } from "./advance.ts";
import { asOwner } from "./owner.ts";
import { nudge } from "./prompt.ts";
import { queueFollowUp } from "./re-review.ts";
import { failRemedy } from "./settle.ts";
import { type RemedyRow, transitionRemedy } from "./store.ts";

const WORKING = ["QUEUED", "PROVISIONING", "RUNNING"];

/**
 * While the fix run works: once a turn ends with the commit pushed (the run pushes it onto the head branch, only
 * from the reviewed SHA), the run is released and the fix commit is reviewed. A turn that changed nothing gets
 * one reminder per remaining turn; a run that failed or hit a limit ends the remedy with its reason.
 */
export async function watchFix(ctx: AppContext, remedy: RemedyRow): Promise<RemedyStep> {
  const run = remedy.codingAgentRunId ? await agentRunState(ctx, remedy.codingAgentRunId) : undefined;
  const fail = (failureReason: string) => failRemedy(ctx, remedy.id, failureReason);
  if (!run) return fail("the fix run is gone");
  if (WORKING.includes(run.status)) return { did: "waiting for the fix run", waiting: true };
  if (!["IDLE", "COMPLETED"].includes(run.status)) {
    const adopted = await pushedBeforeCrash(ctx, remedy);
    if (adopted) return reReview(ctx, remedy, adopted);
    return fail(`the fix run ${run.id} ended ${run.status}: ${run.failureReason ?? "no reason given"}`);
  }

  if (run.commitSha) return reReview(ctx, remedy, run.commitSha);
  if (run.filesChanged > 0 && remedy.headFork) {
    await completeAgentRun(ctx, run.id, `remedy ${remedy.id} took the patch`);
    return fail(`the pull request's head branch is in the fork ${remedy.headFork}, which the GitHub App cannot push to: the fix was not pushed; apply the patch yourself (${run.patchUrl})`);
  }
  if (run.filesChanged > 0) return fail(`the fix run changed ${run.filesChanged} file(s) but pushed no commit; the patch is at ${run.patchUrl}`);
  if (run.status === "IDLE" && run.turns < run.maxTurns) {
    try {
      await followUpAgentRun(await asOwner(ctx, remedy), run.id, nudge(remedy.targets));
    } catch (error) {
      if (!(error instanceof AppError && error.code === "CONFLICT")) throw error; // another attempt sent it
    }
    return { did: `reminded the fix run (turn ${run.turns + 1} of ${run.maxTurns})`, waiting: true };
  }
  await completeAgentRun(ctx, run.id, `remedy ${remedy.id}: no change after ${run.turns} turn(s)`);
  return fail(`the fix agent changed nothing in ${run.turns} turn(s)${run.summary ? `: ${run.summary.slice(0, 500)}` : ""}`);
}

/**
 * The fix commit is on the head branch: release the fix run and remember the commit, then queue its review. The
 * commit is recorded before the review is queued, so a crash in between leaves a remedy that queues (or adopts)
 * the review on its next step instead of re-running a finished one.
 */
async function reReview(ctx: AppContext, remedy: RemedyRow, commitSha: string): Promise<RemedyStep> {
  await completeAgentRun(ctx, remedy.codingAgentRunId!, `remedy ${remedy.id} pushed ${commitSha.slice(0, 12)}; its re-review is queued`);
  const moved = await transitionRemedy(ctx, remedy.id, { statuses: ["IN_PROGRESS"], stage: "fixing" }, { stage: "re-reviewing", commitSha });
  if (!moved) return { did: "nothing: moved on elsewhere", waiting: true };
  ctx.log.info({ remedyRunId: remedy.id, commitSha }, "remedy pushed its fix");
  return queueFollowUp(ctx, moved);
}
