import { z } from "zod";
import { AppError, notFound } from "../../../src/errors.ts";
import { remedyOptions, remedyRunObject, type RemedyRunView } from "../../merge-gate/remedy/model.ts";
import { queueRemedy } from "../../merge-gate/remedy/queue.ts";
import { latestRemedies } from "../../merge-gate/remedy/store.ts";
import { getVisibleRemedy, remedyView } from "../../merge-gate/remedy/views.ts";
import { getVisibleRun } from "../../merge-gate/views.ts";
import { defineTool, documented } from "../tool.ts";

const id = z.string().min(1).max(100);

function render(remedy: RemedyRunView, enqueued?: boolean): string {
  const head = enqueued === false ? `Remedy ${remedy.remedyRunId} was already active for this pull request` : `Remedy ${remedy.remedyRunId}`;
  const parts = [`${head}: ${remedy.status} (${remedy.stage}), ${remedy.targets.length} finding(s) targeted on ${remedy.repository}#${remedy.pullRequestNumber}.`];
  if (remedy.commitSha) parts.push(`Fix commit ${remedy.commitSha} pushed; re-review ${remedy.followUpReviewRunId}.`);
  if (remedy.outcome) parts.push(`Outcome: ${remedy.outcome} (${remedy.remainingFingerprints.length} targeted finding(s) remain).`);
  if (remedy.failureReason) parts.push(`Reason: ${remedy.failureReason}`);
  if (remedy.status === "QUEUED" || remedy.status === "IN_PROGRESS") parts.push("Poll get_remedy_status until COMPLETED or FAILED.");
  return parts.join(" ");
}

export const queueRemedyTool = defineTool({
  name: "queue_remedy",
  title: "Queue a remedy (fix) run for a review",
  description:
    "Queues a bounded fix run in a Critique-managed sandbox for a COMPLETED review's findings (the same as POST /api/v1/review-runs/{id}/remedy). The fix is one commit pushed to the pull request's head branch, only while it still points at the reviewed SHA, then reviewed again automatically: the outcome is resolved only when that review no longer reports the targeted findings. One active remedy per pull request (asking again returns it). Poll get_remedy_status.",
  scope: "write:reviews",
  input: documented(
    { reviewRunId: id, ...remedyOptions },
    {
      reviewRunId: "The completed review run whose findings to fix",
      findingIds: "Only these findings (ids from get_review_run); default: every finding of the chosen severities",
      fingerprints: "Only the findings with these fingerprints",
      severities: "Severities to fix: any of INFO, WARNING, FAIL (default FAIL and WARNING)",
      model: "The fix agent's model (default: the server's)",
      limits: "Lower the server's limits: maxMinutes, maxCredits, maxTurns",
    },
  ),
  output: z.object({ remedyRun: remedyRunObject }),
  readOnly: false,
  async run(ctx, { reviewRunId, ...options }) {
    const { remedy, enqueued } = await queueRemedy(ctx, reviewRunId, options);
    const remedyRun = remedyView(ctx, remedy);
    return { structured: { remedyRun }, text: [render(remedyRun, enqueued)] };
  },
});

export const getRemedyStatusTool = defineTool({
  name: "get_remedy_status",
  title: "Get the status of a remedy run",
  description: "A remedy's progress: status, stage (fixing, re-reviewing), fix commit, re-review, outcome and the fingerprints resolved or remaining. Name the remedy, or a review run for its latest remedy.",
  scope: "read:reviews",
  input: documented({ reviewRunId: id.optional(), remedyRunId: id.optional() }, { reviewRunId: "A review run: its latest remedy is reported", remedyRunId: "The remedyRunId returned by queue_remedy" }),
  output: z.object({ remedyRun: remedyRunObject }),
  readOnly: true,
  async run(ctx, input) {
    let remedyRunId = input.remedyRunId;
    if (!remedyRunId) {
      if (!input.reviewRunId) throw new AppError("VALIDATION", "Name the remedy (remedyRunId) or a review run (reviewRunId)");
      const run = await getVisibleRun(ctx, input.reviewRunId);
      remedyRunId = (await latestRemedies(ctx, [run.id])).get(run.id)?.id;
      if (!remedyRunId) throw notFound(`A remedy run of review run ${run.id}`);
    }
    const remedyRun = remedyView(ctx, await getVisibleRemedy(ctx, remedyRunId));
    if (input.reviewRunId && remedyRun.reviewRunId !== input.reviewRunId) throw new AppError("VALIDATION", `Remedy run ${remedyRunId} is not a remedy of review run ${input.reviewRunId}`);
    return { structured: { remedyRun }, text: [render(remedyRun)] };
  },
});
