import type { AppContext } from "../../../src/context.ts";
import type { RemedyRow } from "./store.ts";

/**
 * A fix run can die after GitHub moved the branch but before the run recorded the commit (the push's answer was
 * lost with the process). The commit is recognisable: it is the branch head, its only parent is the reviewed SHA,
 * and its message names this remedy. Then the remedy adopts it instead of failing with a commit on the branch.
 */
export async function pushedBeforeCrash(ctx: AppContext, remedy: RemedyRow): Promise<string | undefined> {
  if (!ctx.github || !remedy.headBranch || remedy.headFork) return undefined;
  const octokit = await ctx.github.installationClient(remedy.installationId);
  const [owner, repo] = remedy.repository.split("/");
  const ref = await octokit.request("GET /repos/{owner}/{repo}/git/ref/{ref}", { owner, repo, ref: `heads/${remedy.headBranch}` }).catch(() => undefined);
  const head = ref?.data.object.sha;
  if (!head || head.startsWith(remedy.headSha)) return undefined;
  const { data: commit } = await octokit.request("GET /repos/{owner}/{repo}/git/commits/{commit_sha}", { owner, repo, commit_sha: head });
  const onReviewed = commit.parents.length === 1 && commit.parents[0].sha.startsWith(remedy.headSha);
  return onReviewed && commit.message.includes(`Remedy ${remedy.id} `) ? head : undefined;
}
