import type { AppContext } from "../../../src/context.ts";
import { toCredits } from "../../../src/credits/index.ts";
import { publishLifecycleEvent } from "../../webhooks/index.ts";
import type { RemedyRow } from "./store.ts";
import { remedyUrls } from "./views.ts";

/**
 * `remedy.run.completed` / `remedy.run.failed` on the installation's lifecycle endpoints, signed like every other
 * event. Same envelope as `review.run.*`. Records deliveries only and never throws: a webhook problem must not
 * undo a pushed fix. One occurrence per remedy, so a retried ending sends nothing twice.
 */
export async function announceRemedy(ctx: AppContext, remedy: RemedyRow): Promise<void> {
  if (remedy.status !== "COMPLETED" && remedy.status !== "FAILED") return;
  const event = remedy.status === "COMPLETED" ? "remedy.run.completed" : "remedy.run.failed";
  try {
    await publishLifecycleEvent(ctx, {
      event,
      installationId: remedy.installationId,
      repository: remedy.repository,
      occurrence: remedy.id,
      payload: {
        event,
        timestamp: (remedy.completedAt ?? new Date()).toISOString(),
        id: remedy.id,
        object: "remedy.run",
        status: remedy.status.toLowerCase(),
        outcome: remedy.outcome,
        installationId: remedy.installationId,
        repository: remedy.repository,
        pullRequest: { number: remedy.pullRequestNumber, headSha: remedy.headSha },
        changePassportId: remedy.changePassportId,
        reviewRunId: remedy.reviewRunId,
        newHeadSha: remedy.commitSha,
        commitSha: remedy.commitSha,
        followUpReviewRunId: remedy.followUpReviewRunId,
        codingAgentRunId: remedy.codingAgentRunId,
        targetedFingerprints: remedy.targets.map((t) => t.fingerprint),
        resolvedFingerprints: remedy.resolvedFingerprints ?? [],
        remainingFingerprints: remedy.remainingFingerprints ?? [],
        ...(remedy.status === "FAILED" ? { failureReason: remedy.failureReason } : {}),
        creditsUsed: toCredits(remedy.creditsUsed ?? 0),
        urls: remedyUrls(ctx, remedy),
      },
    });
  } catch (error) {
    ctx.log.error({ err: error, remedyRunId: remedy.id }, "could not queue the remedy's lifecycle event");
  }
}
