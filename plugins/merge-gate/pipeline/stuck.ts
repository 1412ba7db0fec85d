import type { AppContext } from "../../../src/context.ts";
import type { RunRow } from "../runs.ts";
import { failRun, timeoutReason } from "./fail-run.ts";

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
  return failRun(ctx, run, timeoutReason(ctx));
}
