import type { AppContext } from "../../../src/context.ts";
import { findRun } from "../runs.ts";
import { loadFindings } from "../views.ts";
import type { RemedyStep } from "./advance.ts";
import type { RemedyOutcome } from "./model.ts";
import { endRemedy } from "./settle.ts";
import type { RemedyRow } from "./store.ts";

/**
 * Proof, not claims: the remedy is `resolved` only when the review of its commit no longer reports any targeted
 * fingerprint; `partially_resolved` when some are gone, `unresolved` when none are. A failed re-review fails the
 * remedy (the commit stays on the branch; review it again to judge it).
 */
export async function watchReReview(ctx: AppContext, remedy: RemedyRow): Promise<RemedyStep> {
  const review = remedy.followUpReviewRunId ? await findRun(ctx, remedy.followUpReviewRunId) : undefined;
  if (!review || review.headSha !== remedy.commitSha) {
    await endRemedy(ctx, remedy.id, { status: "FAILED", failureReason: "the re-review of the fix commit is gone" });
    return { did: "failed: re-review gone", waiting: false };
  }
  if (review.status === "QUEUED" || review.status === "IN_PROGRESS") return { did: "waiting for the re-review", waiting: true };
  if (review.status !== "COMPLETED") {
    const failureReason = `the re-review ${review.id} of the fix commit ${remedy.commitSha?.slice(0, 12)} ended ${review.status}: ${review.failureReason ?? "no reason given"}`;
    await endRemedy(ctx, remedy.id, { status: "FAILED", failureReason });
    return { did: `failed: ${failureReason}`, waiting: false };
  }
  const reported = new Set((await loadFindings(ctx, review.id)).map((f) => f.fingerprint));
  const targeted = [...new Set(remedy.targets.map((t) => t.fingerprint))];
  const remaining = targeted.filter((f) => reported.has(f));
  const resolved = targeted.filter((f) => !reported.has(f));
  const outcome: RemedyOutcome = remaining.length === 0 ? "resolved" : resolved.length === 0 ? "unresolved" : "partially_resolved";
  await endRemedy(ctx, remedy.id, { status: "COMPLETED", outcome, resolvedFingerprints: resolved, remainingFingerprints: remaining });
  return { did: `completed: ${outcome}`, waiting: false };
}
