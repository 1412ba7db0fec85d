import type { AppContext } from "../../../src/context.ts";
import { wakeRemedy } from "./job.ts";
import { ACTIVE_STATUSES, type RemedyStatus } from "./model.ts";
import { remedyBy } from "./store.ts";

/** A remedy moves on as soon as its fix run or its re-review changes (the watchdog is only the safety net). */
export function subscribeRemedies(ctx: AppContext): void {
  const wakeBy = (column: "codingAgentRunId" | "followUpReviewRunId") => async ({ runId }: { runId: string }) => {
    const remedy = await remedyBy(ctx, column, runId);
    if (remedy && ACTIVE_STATUSES.includes(remedy.status as RemedyStatus)) await wakeRemedy(ctx, remedy.id);
  };
  ctx.hooks.on("coding-agent.run.changed", wakeBy("codingAgentRunId"));
  ctx.hooks.on("review.run.finished", wakeBy("followUpReviewRunId"));
}
