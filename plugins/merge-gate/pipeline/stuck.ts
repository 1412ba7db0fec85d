import type { AppContext } from "../../../src/context.ts";
import { announceRun } from "../events.ts";
import type { RunRow } from "../runs.ts";
import { transitionRun } from "../runs.ts";

/** Extra time past the review timeout before a run still IN_PROGRESS is declared stuck. */
const GRACE_MS = 60_000;

/**
 * A run is never left IN_PROGRESS forever: if its worker vanished past the timeout, whoever looks at it next
 * (a poll, a listing, the pipeline) marks it FAILED with a reason.
 */
export async function failIfStuck(ctx: AppContext, run: RunRow): Promise<RunRow | undefined> {
  if (run.status !== "IN_PROGRESS" || !run.startedAt) return undefined;
  const deadline = run.startedAt.getTime() + ctx.config.file.review.timeoutMs + GRACE_MS;
  if (Date.now() < deadline) return undefined;
  const failed = await transitionRun(ctx, run.id, run.execution, ["IN_PROGRESS"], {
    status: "FAILED",
    failureReason: `Review did not finish within its timeout (${Math.round(ctx.config.file.review.timeoutMs / 1000)} s)`,
    completedAt: new Date(),
  });
  if (failed) await announceRun(ctx, failed);
  return failed;
}
