import { z } from "zod";
import { listRunsQuery, listRunsResponse, queueReviewBody, reviewObject, reviewRunObject } from "../../merge-gate/model.ts";
import { queueReview } from "../../merge-gate/runs.ts";
import { listReviewRuns, reviewRunView } from "../../merge-gate/views.ts";
import { renderQueuedReview, renderRun, renderRunList } from "../render.ts";
import { defineTool, documented } from "../tool.ts";

const webhook = queueReviewBody.shape.webhook.unwrap().shape;

/** The body of POST /api/v1/reviews, field for field, documented for agents. */
export const queueReviewInput = documented(
  {
    ...queueReviewBody.shape,
    webhook: documented(webhook, {
      url: "URL that receives this run's events, signed with Standard Webhooks headers",
      secret: "Signing secret for this run's events (at least 32 characters; stored encrypted, never shown again)",
      events: "Events to send: review.queued, review.completed, review.failed (default: completed and failed)",
    }).optional(),
  },
  {
    repositoryFullName: "Repository as owner/repo; it must be on a GitHub App installation your key's user controls",
    pullRequestNumber: "Pull request number (an integer ≥ 1)",
    headSha: "Commit SHA of the pull request head to review (hex, at least 7 characters; the full 40 is best)",
    pullRequestTitle: "Optional title, shown in summaries",
    webhook: "Optional per-run webhook for this run's events",
  },
);

export const queueReviewTool = defineTool({
  name: "queue_review",
  title: "Queue a pull request review",
  description:
    "Queues a merge-gate review of a pull request's head commit (the same as POST /api/v1/reviews). Deduplicated on repository, pull request and head SHA: a queued or running review is returned as is; a finished one is re-run under the same id. Then poll get_review_run with the returned reviewRunId.",
  scope: "write:reviews",
  input: queueReviewInput,
  output: z.object({ review: reviewObject }),
  readOnly: false,
  async run(ctx, input) {
    const { run, enqueued } = await queueReview(ctx, input);
    const review = { reviewRunId: run.id, status: run.status as "QUEUED", repository: run.repository, pullRequestNumber: run.pullRequestNumber, headSha: run.headSha };
    return { structured: { review }, text: [renderQueuedReview(review, enqueued)] };
  },
});

export const getReviewRunTool = defineTool({
  name: "get_review_run",
  title: "Get a review run with all its findings",
  description:
    "A review run's status, verdict (PASS, WARN, FAIL), risk band, summary and every finding (not capped at 5 as the REST default is). Poll it after queue_review until the status is COMPLETED or FAILED.",
  scope: "read:reviews",
  input: documented({ reviewRunId: z.string().min(1).max(100) }, { reviewRunId: "The reviewRunId returned by queue_review or list_review_runs" }),
  output: z.object({ reviewRun: reviewRunObject }),
  readOnly: true,
  async run(ctx, input) {
    const reviewRun = await reviewRunView(ctx, input.reviewRunId, { allFindings: true });
    return { structured: { reviewRun }, text: [renderRun(reviewRun)] };
  },
});

export const listReviewRunsTool = defineTool({
  name: "list_review_runs",
  title: "List recent review runs",
  description: "Recent review runs on your installations, newest first, with optional filters; page with the returned nextCursor.",
  scope: "read:reviews",
  input: documented(listRunsQuery.shape, {
    repository: "Only runs of this repository (owner/repo)",
    pullRequestNumber: "Only runs of this pull request number",
    status: "Only runs in this status",
    verdict: "Only runs with this verdict (PASS, WARN, FAIL)",
    limit: "Page size, 1 to 100 (default 20)",
    cursor: "nextCursor from the previous page",
  }),
  output: listRunsResponse,
  readOnly: true,
  async run(ctx, input) {
    const page = await listReviewRuns(ctx, input);
    return { structured: page, text: [renderRunList(page.reviewRuns, page.nextCursor)] };
  },
});
