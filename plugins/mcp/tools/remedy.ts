import { z } from "zod";
import { AppError } from "../../../src/errors.ts";
import { getVisibleRun } from "../../merge-gate/views.ts";
import { defineTool, documented } from "../tool.ts";

/**
 * Remedy (a bounded, Critique-managed fix run for a review's findings) is part of the MCP contract but not of
 * this server yet. Both tools are listed with their real input so agents see the contract; a call checks that
 * the review run is yours (404 as everywhere else) and then says plainly that remedy is unavailable. It never
 * pretends to queue or report a run.
 */
const UNAVAILABLE = "remedy runs are not available on this server yet: feed the findings from get_review_run to your own fix agent, then queue_review the new head SHA";

async function refuse(ctx: Parameters<typeof getVisibleRun>[0], reviewRunId: string): Promise<never> {
  await getVisibleRun(ctx, reviewRunId);
  throw new AppError("UNAVAILABLE", UNAVAILABLE);
}

const reviewRunId = z.string().min(1).max(100);

export const queueRemedyTool = defineTool({
  name: "queue_remedy",
  title: "Queue a remedy (fix) run for a review",
  description: "Queues a bounded fix run in a Critique-managed sandbox for a review's findings. Not available on this server yet: a call answers an error that says so.",
  scope: "write:reviews",
  input: documented(
    { reviewRunId, findingIds: z.array(z.string().min(1).max(100)).min(1).max(100).optional() },
    { reviewRunId: "The review run whose findings to fix", findingIds: "Only these findings (ids from get_review_run); default: every FAIL finding" },
  ),
  readOnly: false,
  run: (ctx, input) => refuse(ctx, input.reviewRunId),
});

export const getRemedyStatusTool = defineTool({
  name: "get_remedy_status",
  title: "Get the status of a review's remedy run",
  description: "Progress of the latest remedy run of a review. Not available on this server yet: a call answers an error that says so.",
  scope: "read:reviews",
  input: documented({ reviewRunId }, { reviewRunId: "The review run whose latest remedy run to report" }),
  readOnly: true,
  run: (ctx, input) => refuse(ctx, input.reviewRunId),
});
