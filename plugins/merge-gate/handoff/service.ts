import type { ServiceContext } from "../../../src/context.ts";
import { AppError } from "../../../src/errors.ts";
import type { ReviewRunView } from "../model.ts";
import { reviewRunView } from "../views.ts";
import type { Handoff, HandoffAgent } from "./model.ts";
import { renderPrompt } from "./prompt.ts";
import { requeueRequest } from "./requeue.ts";

/**
 * A finished review packaged for the team's own fix agent (BYOA): every finding, a prompt for `agent`, and the
 * request that re-queues the review after the fix. Knows nothing of HTTP; AppError carries the outcome.
 */
export async function buildHandoff(ctx: ServiceContext, input: { reviewRunId: string; agent: HandoffAgent }): Promise<Handoff> {
  // The snapshot's own view: 404 exactly as `GET /api/v1/review-runs/{id}`, and `findings` are by construction
  // what `?findings=all` returns, already sorted FAIL → WARNING → INFO.
  const run = await reviewRunView(ctx, input.reviewRunId, { allFindings: true });
  if (run.status !== "COMPLETED") throw new AppError("CONFLICT", unfinished(run));
  const requeue = requeueRequest(ctx.config.publicUrl, run);
  return {
    agent: input.agent,
    reviewRunId: run.reviewRunId,
    repository: run.repository,
    pullRequestNumber: run.pullRequestNumber,
    headSha: run.headSha,
    verdict: run.verdict,
    prompt: renderPrompt({ agent: input.agent, run, findings: run.findings, requeue }),
    findings: run.findings,
    requeue,
  };
}

/** Why there is nothing to hand off yet (or any more), and what the caller can do about it. */
function unfinished(run: ReviewRunView): string {
  const id = run.reviewRunId;
  switch (run.status) {
    case "FAILED":
      return `Review run ${id} FAILED${run.failureReason ? ` (${run.failureReason})` : ""}: it has no findings to hand off; queue the review again with POST /api/v1/reviews`;
    case "CANCELLED":
      return `Review run ${id} was CANCELLED: it has no findings to hand off; queue the review again with POST /api/v1/reviews`;
    default:
      return `Review run ${id} is ${run.status}: a handoff needs the findings of a finished review; poll GET /api/v1/review-runs/${id} until it is COMPLETED`;
  }
}
