import type { AppContext } from "../../../src/context.ts";
import { parseRepoConfig } from "../analysis/repo-config.ts";
import { readFile } from "../pipeline/fetch-change.ts";
import { appendSnapshot, ensurePassport } from "../passports/service.ts";
import { evaluateMergePolicy } from "../policy/service.ts";
import type { RemedyRow } from "./store.ts";

/**
 * The passport timeline records a remedy when it is queued and when it ends (kind `remedy`); a completed one is
 * also noted on a fresh merge-policy evaluation of the fix commit. The remedy never approves or merges: the
 * policy's outcome still comes from the re-review alone. Never throws: the record must not undo the remedy.
 */
export async function recordRemedy(ctx: AppContext, remedy: RemedyRow): Promise<void> {
  try {
    const passport = await ensurePassport(ctx, { installationId: remedy.installationId, repository: remedy.repository, repositoryKey: remedy.repositoryKey, pullRequestNumber: remedy.pullRequestNumber, headSha: remedy.headSha });
    const { passport: updated } = await appendSnapshot(ctx, passport.id, {
      kind: "remedy",
      refId: remedy.id,
      headSha: remedy.commitSha ?? remedy.headSha,
      state: {},
      detail: {
        remedyStatus: remedy.status,
        reviewRunId: remedy.reviewRunId,
        targetedFingerprints: remedy.targets.map((t) => t.fingerprint),
        commitSha: remedy.commitSha,
        followUpReviewRunId: remedy.followUpReviewRunId,
        outcome: remedy.outcome,
        remainingFingerprints: remedy.remainingFingerprints,
        failureReason: remedy.failureReason,
      },
    });
    if (remedy.status === "COMPLETED" && remedy.commitSha && remedy.followUpReviewRunId) {
      const left = remedy.remainingFingerprints?.length ?? 0;
      const note = `remedy ${remedy.id}: ${remedy.outcome} (${remedy.targets.length - left} of ${remedy.targets.length} targeted findings gone in ${remedy.commitSha.slice(0, 12)})`;
      const octokit = ctx.github ? await ctx.github.installationClient(remedy.installationId) : undefined;
      const repoConfig = parseRepoConfig(octokit ? await baseConfig(octokit, remedy) : undefined).config;
      await evaluateMergePolicy(ctx, { passport: updated, headSha: remedy.commitSha, trigger: { reviewRunId: remedy.followUpReviewRunId }, repoConfig, octokit, notes: [note] });
    }
  } catch (error) {
    ctx.log.error({ err: error, remedyRunId: remedy.id }, "could not record the remedy on its passport");
  }
}

/** The base branch's `.critique.yml` (never the head's: a pull request must not weaken its own gate). */
async function baseConfig(octokit: Awaited<ReturnType<NonNullable<AppContext["github"]>["installationClient"]>>, remedy: RemedyRow) {
  const [owner, repo] = remedy.repository.split("/");
  const { data: pr } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner, repo, pull_number: remedy.pullRequestNumber });
  return readFile(octokit, owner, repo, ".critique.yml", pr.base.ref);
}
