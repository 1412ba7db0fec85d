import type { Octokit } from "@octokit/core";
import type { AppContext } from "../../../src/context.ts";
import { releaseReservation, reserveCredits, settleReservation } from "../../../src/credits/index.ts";
import { AppError } from "../../../src/errors.ts";
import type { JobAttempt } from "../../../src/jobs/define.ts";
import { parseRepoConfig } from "../analysis/repo-config.ts";
import { worstCaseUsage } from "../specialists/worst-case.ts";
import { explainRefusal, unbilledRefusal } from "../github/billing.ts";
import { reviewRunUrls } from "../links.ts";
import { recordReview } from "../passports/record.ts";
import { findRun, type RunRow, reviewBaseCost, transitionRun } from "../runs.ts";
import { analyzeChange } from "./analyze.ts";
import { type FetchedChange, fetchChange, readFile } from "./fetch-change.ts";
import { failCheckRun, startCheckRun } from "./github-output.ts";
import { announceRun } from "../events.ts";
import { failRun, timeoutReason } from "./fail-run.ts";
import { completeRun } from "./persist.ts";
import { previousFindings } from "./previous.ts";
import { publishReview } from "./publish.ts";
import { failIfStuck } from "./stuck.ts";
import { leadSummary } from "./summary.ts";

/** A failure no retry can fix: the run becomes FAILED at once. */
class ReviewFailure extends Error {}

/**
 * The review job: claim the run, fetch and judge the change, store the verdict, report on GitHub. Resumable:
 * after a crash the next attempt starts over on the same execution and replaces partial results.
 */
export async function runReview(ctx: AppContext, payload: { runId: string; execution: number }, attempt: JobAttempt, maxAttempts: number) {
  let run = await findRun(ctx, payload.runId);
  if (!run || run.execution !== payload.execution || !["QUEUED", "IN_PROGRESS"].includes(run.status)) {
    // A worker that died right after finishing: its announcement may be missing (announcing twice sends once).
    if (run?.execution === payload.execution) await announceRun(ctx, run);
    return { skipped: "stale job" };
  }
  if (await failIfStuck(ctx, run)) return { failed: "stuck past its timeout" };
  if (run.status === "QUEUED") {
    run = await transitionRun(ctx, run.id, run.execution, ["QUEUED"], { status: "IN_PROGRESS", startedAt: new Date() });
    if (!run) return { skipped: "claimed elsewhere" };
  }
  const remaining = run.startedAt!.getTime() + ctx.config.file.review.timeoutMs - Date.now();
  const signal = AbortSignal.any([attempt.signal, AbortSignal.timeout(Math.max(1, remaining))]);
  const state: { checkRunId?: number } = {};
  let octokit: Octokit | undefined;
  try {
    if (!ctx.github) throw new ReviewFailure("No GitHub App is configured on this server");
    octokit = await ctx.github.installationClient(run.installationId);
    return await execute(ctx, run, octokit, signal, state);
  } catch (error) {
    const timedOut = signal.aborted && !attempt.signal.aborted;
    const reason = timedOut ? timeoutReason(ctx) : describeFailure(error);
    const final = timedOut || error instanceof ReviewFailure || isPermanentGitHubError(error) || attempt.attempt >= maxAttempts;
    if (!final) throw error;
    await failRun(ctx, run, reason, octokit);
    if (octokit && state.checkRunId !== undefined) {
      const [owner, repo] = run.repository.split("/");
      await failCheckRun({ octokit, owner, repo }, state.checkRunId, reason).catch(() => undefined);
    }
    ctx.log.warn({ runId: run.id, reason }, "review failed");
    return { failed: reason };
  }
}

async function execute(ctx: AppContext, run: RunRow, octokit: Octokit, signal: AbortSignal, state: { checkRunId?: number }) {
  const [owner, repo] = run.repository.split("/");
  const detailsUrl = reviewRunUrls(ctx, run.id).reviewRunWithFindings;
  try {
    state.checkRunId = await startCheckRun({ octokit, owner, repo }, run.headSha, detailsUrl);
  } catch (error) {
    ctx.log.warn({ err: error, runId: run.id }, "could not create the check run; reviewing anyway");
  }
  const change = await fetchChange(octokit, owner, repo, run.pullRequestNumber, run.headSha);
  const reservation = await reserve(ctx, run, change);
  try {
    const headFiles = new Map<string, Promise<string | undefined>>();
    const analysis = await analyzeChange(ctx, {
      change,
      previous: await previousFindings(ctx, run),
      readHead: (path) => {
        if (!headFiles.has(path)) headFiles.set(path, readFile(octokit, owner, repo, path, run.headSha).catch(() => undefined));
        return headFiles.get(path)!;
      },
      signal,
    });
    const lead = leadSummary(analysis.outcome);
    const cost = runCost(ctx, analysis);
    const charged = reservation ? (await settleReservation(ctx, { reservationId: reservation, amount: cost })).reservation.charged : null;
    const completed = await completeRun(ctx, { ...run, pullRequestTitle: run.pullRequestTitle ?? change.title }, analysis.outcome, lead, charged, change.files);
    if (!completed) return { skipped: "run changed while reviewing" };
    await announceRun(ctx, completed);
    const problems = await publishReview(ctx, octokit, completed, analysis.outcome, lead, state.checkRunId);
    await recordReview(ctx, completed, { repoConfig: parseRepoConfig(change.repoConfigText).config, octokit, findingsCount: analysis.outcome.findings.length });
    return { verdict: analysis.outcome.verdict, findings: analysis.outcome.findings.length, githubProblems: problems };
  } catch (error) {
    if (reservation) await releaseReservation(ctx, reservation).catch(() => undefined);
    throw error;
  }
}

/**
 * Holds the run's worst case up front: the per-run cost plus every model call at its budget (worst-case.ts), so
 * the settlement never takes more than was held; in enforce mode a balance that cannot cover it fails the run
 * clearly. A hold left open by a crashed attempt is released by src/credits/reclaim.ts (nothing was charged yet).
 */
async function reserve(ctx: AppContext, run: RunRow, change: FetchedChange): Promise<string | undefined> {
  if (!run.userId) {
    const refusal = unbilledRefusal(ctx, run);
    if (refusal) throw new ReviewFailure(refusal);
    return undefined;
  }
  try {
    const r = await reserveCredits(ctx, { userId: run.userId, amount: reviewBaseCost(ctx) + (await worstModelCost(ctx, change)), reference: `review:${run.id}:${run.execution}` });
    return r.id;
  } catch (error) {
    if (error instanceof AppError && error.code === "INSUFFICIENT_CREDITS") throw new ReviewFailure(await explainRefusal(ctx, run, error.message));
    throw error;
  }
}

async function worstModelCost(ctx: AppContext, change: FetchedChange): Promise<number> {
  const { review } = ctx.config.file;
  return review.model ? ctx.models.costMicro(review.model, await worstCaseUsage(review, change)) : 0;
}

function runCost(ctx: AppContext, analysis: { usage: { promptTokens: number; completionTokens: number }; model: string | null }): number {
  const base = reviewBaseCost(ctx);
  if (!analysis.model) return base;
  return base + ctx.models.costMicro(analysis.model, analysis.usage);
}

function isPermanentGitHubError(error: unknown): boolean {
  const status = (error as { status?: number }).status;
  return typeof status === "number" && status >= 400 && status < 500 && status !== 429;
}

function describeFailure(error: unknown): string {
  const e = error as { status?: number; message?: string; request?: { url?: string } };
  if (typeof e.status === "number") {
    const what = e.status === 404 ? "not found (is the pull request or commit still there?)" : e.status === 403 ? "access refused (check the App's permissions)" : e.status >= 500 ? "GitHub is failing" : "request refused";
    return `GitHub answered ${e.status}: ${what}`;
  }
  return e.message ?? String(error);
}
