import type { Octokit } from "@octokit/core";
import type { AppContext } from "../../../src/context.ts";
import type { RepoConfig } from "../analysis/repo-config.ts";
import { evaluateMergePolicy } from "../policy/service.ts";
import type { RunRow } from "../runs.ts";
import { appendSnapshot, ensurePassport } from "./service.ts";

/** A review run finished (completed or failed): snapshot it into the passport, then re-evaluate the merge policy. */
export async function recordReview(ctx: AppContext, run: RunRow, options: { repoConfig: RepoConfig; octokit?: Octokit; findingsCount: number }) {
  const passport = await ensurePassport(ctx, { ...run, title: run.pullRequestTitle });
  const { passport: updated } = await appendSnapshot(ctx, passport.id, {
    kind: "review",
    refId: run.id,
    headSha: run.headSha,
    state: {
      headSha: run.headSha,
      title: run.pullRequestTitle ?? undefined,
      verdict: run.verdict,
      riskBand: run.riskBand,
      riskScore: run.riskScore,
      latestReviewRunId: run.id,
    },
    detail: { reviewStatus: run.status, execution: run.execution, findingsCount: options.findingsCount, failureReason: run.failureReason },
  });
  await evaluateMergePolicy(ctx, { passport: updated, headSha: run.headSha, trigger: { reviewRunId: run.id }, repoConfig: options.repoConfig, octokit: options.octokit });
}
