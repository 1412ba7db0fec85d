import type { Octokit } from "@octokit/core";
import type { AppContext } from "../../../src/context.ts";
import { DEFAULT_REPO_CONFIG } from "../analysis/repo-config.ts";
import { announceRun } from "../events.ts";
import { recordReview } from "../passports/record.ts";
import { type RunRow, transitionRun } from "../runs.ts";

export const timeoutReason = (ctx: AppContext) => `Review did not finish within its timeout (${Math.round(ctx.config.file.review.timeoutMs / 1000)} s)`;

/**
 * The one way a run becomes FAILED: the conditional transition, then its webhooks and its passport snapshot with a
 * fresh merge-policy evaluation. Returns undefined when the run had already moved on (nothing else happens then).
 */
export async function failRun(ctx: AppContext, run: RunRow, reason: string, octokit?: Octokit): Promise<RunRow | undefined> {
  const failed = await transitionRun(ctx, run.id, run.execution, ["IN_PROGRESS"], { status: "FAILED", failureReason: reason, completedAt: new Date() });
  if (!failed) return undefined;
  await announceRun(ctx, failed);
  await recordReview(ctx, failed, { repoConfig: DEFAULT_REPO_CONFIG, octokit, findingsCount: 0 }).catch((error) =>
    ctx.log.warn({ err: error, runId: run.id }, "could not record the failed review in its passport"),
  );
  return failed;
}
