import type { AppContext } from "../../../src/context.ts";
import { AppError } from "../../../src/errors.ts";
import { cancelAgentRun, startAgentRun } from "../../coding-agent/api.ts";
import { parseRepoConfig } from "../analysis/repo-config.ts";
import { readFile } from "../pipeline/fetch-change.ts";
import type { RemedyStep } from "./advance.ts";
import { asOwner } from "./owner.ts";
import { commitMessage, remedyTask } from "./prompt.ts";
import { failRemedy } from "./settle.ts";
import { findRemedy, type RemedyRow, transitionRemedy } from "./store.ts";

/**
 * Starts the fix run on the pull request as GitHub has it now: still open, its head still at the reviewed SHA
 * (otherwise there is nothing this review can fix). A head branch in a fork cannot be pushed to by the App: the
 * run still makes the fix, which stays a downloadable patch. The run's Idempotency-Key is the remedy, so a retried
 * attempt finds the run it started instead of starting a second.
 */
export async function startRemedy(ctx: AppContext, remedy: RemedyRow): Promise<RemedyStep> {
  const fail = (failureReason: string) => failRemedy(ctx, remedy.id, failureReason);
  if (!ctx.github) return fail("No GitHub App is configured on this server");
  const octokit = await ctx.github.installationClient(remedy.installationId);
  const [owner, repo] = remedy.repository.split("/");
  const { data: pr } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner, repo, pull_number: remedy.pullRequestNumber });
  if (pr.state !== "open") return fail(`pull request #${remedy.pullRequestNumber} is ${pr.merged_at ? "merged" : "closed"}: there is nothing to push a fix to`);
  // A review may have been queued with an abbreviated SHA; from here on the full one is used.
  const headSha = pr.head.sha.toLowerCase();
  if (!headSha.startsWith(remedy.headSha)) {
    return fail(`the head of pull request #${remedy.pullRequestNumber} moved to ${pr.head.sha.slice(0, 12)} since the review of ${remedy.headSha.slice(0, 12)}: review the new head first, then remedy that review`);
  }
  const headRepo = pr.head.repo?.full_name ?? null;
  const fork = headRepo?.toLowerCase() === remedy.repositoryKey ? null : (headRepo ?? "a deleted fork");
  const repoConfig = parseRepoConfig(await readFile(octokit, owner, repo, ".critique.yml", pr.base.ref)).config;

  const prompt = remedyTask({ repository: remedy.repository, pullRequestNumber: remedy.pullRequestNumber, headSha, targets: remedy.targets, repoConfig });
  let runId: string;
  try {
    const { run } = await startAgentRun(
      await asOwner(ctx, remedy),
      {
        prompt,
        repository: remedy.repository,
        ref: headSha,
        model: remedy.model ?? undefined,
        limits: remedy.limits,
        ...(fork ? {} : { branchName: pr.head.ref }),
        metadata: { remedyRunId: remedy.id, reviewRunId: remedy.reviewRunId },
      },
      `remedy:${remedy.id}`,
      fork ? {} : { pushOnto: headSha, commitMessage: commitMessage({ reviewRunId: remedy.reviewRunId, remedyId: remedy.id, targets: remedy.targets }) },
    );
    runId = run.id;
  } catch (error) {
    // The user's side (credits, model, limits, sandbox availability): no retry fixes it.
    if (error instanceof AppError) return fail(`the fix run could not start: ${error.message}`);
    throw error;
  }
  const started = await transitionRemedy(ctx, remedy.id, { statuses: ["QUEUED"], stage: "queued" }, { status: "IN_PROGRESS", stage: "fixing", codingAgentRunId: runId, headBranch: pr.head.ref, headFork: fork, startedAt: new Date() });
  if (started) {
    ctx.log.info({ remedyRunId: remedy.id, codingAgentRunId: runId, branch: pr.head.ref, fork }, "remedy fix run started");
    return { did: `started fix run ${runId}`, waiting: true };
  }
  // Cancelled while the run was being made: nobody else knows that run, so it is stopped here.
  const now = await findRemedy(ctx, remedy.id);
  if (now && !now.codingAgentRunId) await cancelAgentRun(await asOwner(ctx, remedy), runId).catch(() => undefined);
  return { did: "nothing: started elsewhere or ended meanwhile", waiting: now?.status === "IN_PROGRESS" };
}
