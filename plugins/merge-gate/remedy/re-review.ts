import type { AppContext } from "../../../src/context.ts";
import { enqueueRun, findRun, findRunOf } from "../runs.ts";
import { loadFindings } from "../views.ts";
import type { RemedyStep } from "./advance.ts";
import type { RemedyOutcome } from "./model.ts";
import { endRemedy, failRemedy } from "./settle.ts";
import { recordRemedy } from "./record.ts";
import { findRemedy, type RemedyRow, transitionRemedy } from "./store.ts";

/**
 * Proof, not claims: the remedy is `resolved` only when the review of its commit no longer reports any targeted
 * fingerprint; `partially_resolved` when some are gone, `unresolved` when none are. A failed re-review fails the
 * remedy (the commit stays on the branch; review it again to judge it).
 */
export async function watchReReview(ctx: AppContext, remedy: RemedyRow): Promise<RemedyStep> {
  if (!remedy.followUpReviewRunId) return queueFollowUp(ctx, remedy);
  const review = await findRun(ctx, remedy.followUpReviewRunId);
  if (!review || review.headSha !== remedy.commitSha) return failRemedy(ctx, remedy.id, "the re-review of the fix commit is gone");
  if (review.status === "QUEUED" || review.status === "IN_PROGRESS") return { did: "waiting for the re-review", waiting: true };
  if (review.status !== "COMPLETED") {
    return failRemedy(ctx, remedy.id, `the re-review ${review.id} of the fix commit ${remedy.commitSha?.slice(0, 12)} ended ${review.status}: ${review.failureReason ?? "no reason given"}`);
  }
  const reported = new Set((await loadFindings(ctx, review.id)).map((f) => f.fingerprint));
  const targeted = [...new Set(remedy.targets.map((t) => t.fingerprint))];
  const remaining = targeted.filter((f) => reported.has(f));
  const resolved = targeted.filter((f) => !reported.has(f));
  const outcome: RemedyOutcome = remaining.length === 0 ? "resolved" : resolved.length === 0 ? "unresolved" : "partially_resolved";
  await endRemedy(ctx, remedy.id, { status: "COMPLETED", outcome, resolvedFingerprints: resolved, remainingFingerprints: remaining });
  return { did: `completed: ${outcome}`, waiting: false };
}

/**
 * The review of the fix commit: the one that exists for (pull request, commit), whatever its state (GitHub's push
 * event may have queued it; a crashed attempt may have), else a new one. Never a re-run of a finished review: that
 * would charge it twice.
 */
export async function queueFollowUp(ctx: AppContext, remedy: RemedyRow): Promise<RemedyStep> {
  const commitSha = remedy.commitSha!;
  const existing = await findRunOf(ctx, { installationId: remedy.installationId, repositoryKey: remedy.repositoryKey, pullRequestNumber: remedy.pullRequestNumber, headSha: commitSha });
  const review =
    existing ??
    (
      await enqueueRun(ctx, {
        repository: { installationId: remedy.installationId, fullName: remedy.repository, key: remedy.repositoryKey },
        userId: remedy.userId,
        trigger: "api",
        pullRequestNumber: remedy.pullRequestNumber,
        headSha: commitSha,
      })
    ).run;
  // Only the attempt that names the review records it (two attempts at once both get here, one wins).
  const named = await transitionRemedy(ctx, remedy.id, { statuses: ["IN_PROGRESS"], stage: "re-reviewing", unset: "followUpReviewRunId" }, { followUpReviewRunId: review.id });
  if (named) {
    ctx.log.info({ remedyRunId: remedy.id, commitSha, reviewRunId: review.id }, "remedy re-review queued");
    await recordRemedy(ctx, named);
  }
  const current = named ?? (await findRemedy(ctx, remedy.id));
  if (current?.status !== "IN_PROGRESS" || !current.followUpReviewRunId) return { did: "nothing: the remedy moved on elsewhere", waiting: false };
  // The review may have ended before the remedy named it (its "finished" notice then found no remedy): judge now.
  return watchReReview(ctx, current);
}
