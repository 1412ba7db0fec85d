import type { Octokit } from "@octokit/core";
import { type ChangedFile, fromGitHubEntry, type GitHubDiffEntry } from "../analysis/diff.ts";

export interface FetchedChange {
  title: string | null;
  author: { login: string; type: string } | null;
  draft: boolean;
  baseRef: string;
  baseSha: string;
  files: ChangedFile[];
  /** The base branch's `.critique.yml`, if any. Never read from the head. */
  repoConfigText: string | undefined;
}

const PER_PAGE = 100;
/** GitHub's compare API lists at most 3,000 files; beyond that the change is reported as partially reviewed. */
const MAX_PAGES = 30;

/**
 * Fetches the change at exactly `headSha`: base...headSha through the compare API (not the PR's current head,
 * which may have moved on), every page of files, and the base branch's `.critique.yml`.
 */
export async function fetchChange(octokit: Octokit, owner: string, repo: string, pullNumber: number, headSha: string): Promise<FetchedChange> {
  const { data: pr } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner, repo, pull_number: pullNumber });
  const entries: GitHubDiffEntry[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/compare/{basehead}", { owner, repo, basehead: `${pr.base.sha}...${headSha}`, per_page: PER_PAGE, page });
    const files = (data.files ?? []) as GitHubDiffEntry[];
    entries.push(...files);
    if (files.length < PER_PAGE) break;
  }
  return {
    title: pr.title ?? null,
    author: pr.user ? { login: pr.user.login, type: pr.user.type } : null,
    draft: Boolean(pr.draft),
    baseRef: pr.base.ref,
    baseSha: pr.base.sha,
    files: entries.map(fromGitHubEntry),
    repoConfigText: await readFile(octokit, owner, repo, ".critique.yml", pr.base.ref),
  };
}

/** A file's text at a ref, or undefined when it does not exist there. */
export async function readFile(octokit: Octokit, owner: string, repo: string, path: string, ref: string): Promise<string | undefined> {
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", { owner, repo, path, ref });
    if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return undefined;
    return Buffer.from(data.content, "base64").toString("utf8");
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}
