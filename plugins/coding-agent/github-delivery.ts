import type { AppContext } from "../../src/context.ts";
import { AppError } from "../../src/errors.ts";
import type { GitHubOctokit } from "../../src/github/index.ts";
import type { ChangedFile } from "./workspace.ts";

/**
 * The server's side of "no GitHub credential ever enters a sandbox": it downloads the code at `ref` with the
 * installation token, and pushes the result itself (git data API: blobs, tree, commit, ref; then a draft pull
 * request). The sandbox only ever sees files.
 */
export interface RepositoryTarget {
  installationId: string;
  repository: string;
}

async function client(ctx: AppContext, target: RepositoryTarget): Promise<{ octokit: GitHubOctokit; owner: string; repo: string }> {
  if (!ctx.github) throw new AppError("UNAVAILABLE", "No GitHub App is configured on this server");
  const [owner, repo] = target.repository.split("/");
  return { octokit: await ctx.github.installationClient(target.installationId), owner, repo };
}

const isSha = (ref: string) => /^[0-9a-f]{40}$/i.test(ref);

/** The commit `ref` names (default: the default branch) and the repository at that commit as a gzipped tarball. */
export async function fetchRepository(ctx: AppContext, target: RepositoryTarget, ref: string | null): Promise<{ baseSha: string; ref: string; tarball: Uint8Array }> {
  const { octokit, owner, repo } = await client(ctx, target);
  const resolvedRef = ref ?? (await octokit.request("GET /repos/{owner}/{repo}", { owner, repo })).data.default_branch;
  const { data: commit } = await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}", { owner, repo, ref: resolvedRef }).catch((error) => {
    if (error?.status === 404 || error?.status === 422) throw new Error(`ref "${resolvedRef}" was not found in ${target.repository}`);
    throw error;
  });
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/tarball/{ref}", { owner, repo, ref: commit.sha });
  return { baseSha: commit.sha, ref: resolvedRef, tarball: new Uint8Array(data as ArrayBuffer) };
}

export interface PushRequest {
  baseSha: string;
  ref: string;
  /** The branch's current head when this run pushed before (then the new commit follows it). */
  previousCommit: string | null;
  branch: string;
  message: string;
  files: ChangedFile[];
  pullRequest: { title: string; body: string } | null;
}

export interface PushOutcome {
  commitSha: string;
  pullRequest: { number: number; url: string } | null;
}

/** One commit with every change since the base, on `branch` (created, or fast-forwarded), then the draft PR. */
export async function pushChanges(ctx: AppContext, target: RepositoryTarget, request: PushRequest): Promise<PushOutcome> {
  try {
    return await push(ctx, target, request);
  } catch (error: any) {
    if (error?.status !== 403) throw error;
    const message = error?.response?.data?.message ?? error.message;
    throw new Error(`GitHub refused to write to ${target.repository} (403: ${message}): the App needs contents: write (and pull_requests: write to open one); nothing was pushed`);
  }
}

async function push(ctx: AppContext, target: RepositoryTarget, request: PushRequest): Promise<PushOutcome> {
  const { octokit, owner, repo } = await client(ctx, target);
  const { data: base } = await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}", { owner, repo, ref: request.baseSha });
  const tree: { path: string; mode: "100644" | "100755" | "120000"; type: "blob"; sha: string | null }[] = [];
  for (const file of request.files) {
    if (!file.content) {
      tree.push({ path: file.path, mode: "100644", type: "blob", sha: null });
      continue;
    }
    const { data: blob } = await octokit.request("POST /repos/{owner}/{repo}/git/blobs", { owner, repo, content: file.content.toString("base64"), encoding: "base64" });
    const mode = file.mode === "100755" || file.mode === "120000" ? file.mode : "100644";
    tree.push({ path: file.path, mode, type: "blob", sha: blob.sha });
  }
  const { data: newTree } = await octokit.request("POST /repos/{owner}/{repo}/git/trees", { owner, repo, base_tree: base.commit.tree.sha, tree });
  const parent = request.previousCommit ?? request.baseSha;
  const { data: commit } = await octokit.request("POST /repos/{owner}/{repo}/git/commits", { owner, repo, message: request.message, tree: newTree.sha, parents: [parent] });
  if (request.previousCommit) {
    await moveBranch(octokit, { owner, repo, branch: request.branch, from: request.previousCommit, to: commit.sha });
  } else {
    await octokit.request("POST /repos/{owner}/{repo}/git/refs", { owner, repo, ref: `refs/heads/${request.branch}`, sha: commit.sha }).catch((error) => {
      if (error?.status === 422) throw new Error(`branch "${request.branch}" already exists in ${target.repository}: choose another branchName`);
      throw error;
    });
  }
  if (!request.pullRequest) return { commitSha: commit.sha, pullRequest: null };
  const baseBranch = isSha(request.ref) ? (await octokit.request("GET /repos/{owner}/{repo}", { owner, repo })).data.default_branch : request.ref;
  const { data: pull } = await octokit.request("POST /repos/{owner}/{repo}/pulls", { owner, repo, title: request.pullRequest.title, body: request.pullRequest.body, head: request.branch, base: baseBranch, draft: true });
  return { commitSha: commit.sha, pullRequest: { number: pull.number, url: pull.html_url } };
}

/**
 * Fast-forwards an existing branch from `from` to `to`, never forcing: a branch that moved meanwhile (someone
 * pushed) is left alone and the error says so; GitHub's refusals (protected branch, no permission) are named.
 * The check before the update gives the clear reason; `force: false` makes the update itself safe against a push
 * that lands between the two.
 */
async function moveBranch(octokit: GitHubOctokit, move: { owner: string; repo: string; branch: string; from: string; to: string }) {
  const where = `branch "${move.branch}" of ${move.owner}/${move.repo}`;
  const refusal = (error: any): Error => {
    const message = error?.response?.data?.message ?? error?.message ?? String(error);
    if (error?.status === 403) return new Error(`GitHub refused the push to ${where} (403: ${message}): the App needs contents: write on this repository; nothing was pushed`);
    if (error?.status === 404 || /Reference does not exist/i.test(message)) return new Error(`${where} does not exist (deleted, or the pull request comes from a fork); nothing was pushed`);
    if (/not a fast forward/i.test(message)) return new Error(`${where} moved while the agent worked (it no longer points at ${move.from.slice(0, 12)}); nothing was pushed`);
    return new Error(`GitHub refused the push to ${where} (${error?.status ?? "error"}: ${message}); nothing was pushed`);
  };
  const { data: current } = await octokit.request("GET /repos/{owner}/{repo}/git/ref/{ref}", { owner: move.owner, repo: move.repo, ref: `heads/${move.branch}` }).catch((error) => {
    throw refusal(error);
  });
  if (current.object.sha !== move.from) throw new Error(`${where} moved to ${current.object.sha.slice(0, 12)} while the agent worked (expected ${move.from.slice(0, 12)}); nothing was pushed`);
  await octokit.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { owner: move.owner, repo: move.repo, ref: `heads/${move.branch}`, sha: move.to, force: false }).catch((error) => {
    throw refusal(error);
  });
}
