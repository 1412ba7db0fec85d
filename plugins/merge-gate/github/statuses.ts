import type { Octokit } from "@octokit/core";

export type StatusState = "success" | "failure" | "pending" | "error";

/** A commit status (what branch protection can require), e.g. `critique/checkpoint`, `critique/merge-policy`. */
export async function setCommitStatus(octokit: Octokit, fullName: string, sha: string, status: { context: string; state: StatusState; description: string; targetUrl?: string }) {
  const [owner, repo] = fullName.split("/");
  // GitHub refuses descriptions longer than 140 characters.
  const description = status.description.length > 140 ? `${status.description.slice(0, 139)}…` : status.description;
  await octokit.request("POST /repos/{owner}/{repo}/statuses/{sha}", { owner, repo, sha, state: status.state, context: status.context, description, target_url: status.targetUrl });
}
