import type { Change, GitHubState, PullEntry, RepoState, RouteDef } from "./github-routes.ts";
import { forkRepository, type Schemas } from "./github-shapes.ts";
import { diffEntry, pullRequest, type SeedPull } from "./github-shapes-pulls.ts";
import { changedFiles } from "./line-diff.ts";

/** Opening pull requests between branches of the object store, and keeping them in step when a branch moves. */
const DOCS = "https://docs.github.com/rest/pulls/pulls#create-a-pull-request";
type Json = Record<string, any>;
const validationFailed = (...errors: Json[]) => ({ status: 422, body: { message: "Validation Failed", errors, documentation_url: DOCS, status: "422" } });

/** What a pull from head into base shows: the files changed since their merge base, and the commits in between. */
export function pullChange(repo: RepoState, baseSha: string, headSha: string): Change {
  const git = repo.git;
  const since = git.mergeBase(baseSha, headSha);
  const files = changedFiles(since ? git.files(since) : new Map(), git.files(headSha));
  const commits = git.commitsBetween(baseSha, headSha);
  return { files, commits: commits.map((c) => c.message), shas: commits.map((c) => c.sha) };
}

/** Re-reads a pull's head and base branches (GitHub's `synchronize`) for pulls that follow their branches. */
export function syncPulls(repo: RepoState, branch: string) {
  for (const pull of repo.pulls.values()) {
    const seed = pull.seed;
    if (!pull.tracked || seed.state === "closed" || (seed.head.ref !== branch && seed.base.ref !== branch)) continue;
    // A fork's head branch is not a branch of this repository: only the base moves here.
    if (!pull.headRepo) seed.head.sha = repo.git.resolve(seed.head.ref) ?? seed.head.sha;
    seed.base.sha = repo.git.resolve(seed.base.ref) ?? seed.base.sha;
    const change = pullChange(repo, seed.base.sha, seed.head.sha);
    seed.files = change.files;
    seed.commits = change.commits;
    repo.comparisons.set(`${seed.base.sha}...${seed.head.sha}`, change);
  }
}

function registerPull(s: GitHubState, repo: RepoState, seed: SeedPull, change: Change, extra: { created?: boolean; headRepo?: Schemas["repository"] }): PullEntry {
  seed.files = change.files;
  seed.commits = change.commits;
  const entry: PullEntry = { seed, id: s.nextId(), tracked: true, ...extra };
  repo.pulls.set(seed.number, entry);
  repo.comparisons.set(`${seed.base.sha}...${seed.head.sha}`, change);
  return entry;
}

const nextNumber = (repo: RepoState) => Math.max(0, ...repo.pulls.keys()) + 1;

export interface OpenPullOptions {
  /** The branch (made with setBranch) whose commits the pull proposes. */
  head: string;
  base: string;
  title?: string;
  body?: string;
  number?: number;
  /** Login of the pull's author (default: octocat, or the fork's owner). */
  author?: string;
  draft?: boolean;
  state?: "open" | "closed";
  /** `owner/name` of a fork the head branch lives in: a fork pull request. */
  headRepo?: string;
  /** A fork pull's branch name in the fork (`head.ref`; default: `head`). */
  headRef?: string;
}

/**
 * A pull request between two branches of the object store that follows them as `POST /pulls` ones do. For a fork
 * pull, the head commits stay in this object store (GitHub shows them as `refs/pull/N/head`), but the branch is
 * removed from this repository: it exists only in the fork, so the git refs API cannot move it here.
 */
export function openPull(s: GitHubState, repo: RepoState, o: OpenPullOptions): number {
  const name = repo.repo.full_name;
  const headSha = repo.git.refs.get(`refs/heads/${o.head}`);
  const baseSha = repo.git.refs.get(`refs/heads/${o.base}`);
  if (!headSha || !baseSha) throw new Error(`fake GitHub: openPull needs branches ${o.head} and ${o.base} in ${name}; make them with setBranch`);
  const number = o.number ?? nextNumber(repo);
  if (repo.pulls.has(number)) throw new Error(`fake GitHub: ${name} already has pull #${number}`);
  const change = pullChange(repo, baseSha, headSha);
  if (!change.commits.length) throw new Error(`fake GitHub: no commits between ${o.base} and ${o.head} in ${name}`);
  const headRepo = o.headRepo ? forkRepository(s.urls, repo.repo, o.headRepo, s.nextId(), s.nextId()) : undefined;
  const seed: SeedPull = {
    number,
    title: o.title,
    body: o.body ?? null,
    state: o.state ?? "open",
    draft: o.draft ?? false,
    author: o.author ?? headRepo?.owner.login ?? "octocat",
    base: { ref: o.base, sha: baseSha },
    head: { ref: headRepo ? (o.headRef ?? o.head) : o.head, sha: headSha },
    ...(o.headRepo ? { headRepo: o.headRepo } : {}),
  };
  registerPull(s, repo, seed, change, { headRepo });
  if (headRepo) repo.git.refs.delete(`refs/heads/${o.head}`);
  return number;
}

export function pullRoutes(s: GitHubState): RouteDef[] {
  return [
    ["POST /repos/{owner}/{repo}/pulls", "installation", ({ params, body: raw }) => {
      const repo = s.repos.get(`${params.owner}/${params.repo}`.toLowerCase())!;
      const body = (raw ?? {}) as Json;
      const owner = repo.repo.owner.login;
      if (typeof body.title !== "string" || !body.title) return validationFailed({ resource: "PullRequest", code: "missing_field", field: "title" });
      // `head` may be `owner:branch`; a branch of another owner would be a fork, which the fake does not have.
      const [headOwner, headBranch] = typeof body.head === "string" && body.head.includes(":") ? body.head.split(":", 2) : [owner, body.head];
      const headSha = headOwner.toLowerCase() === owner.toLowerCase() && typeof headBranch === "string" ? repo.git.refs.get(`refs/heads/${headBranch}`) : undefined;
      const baseSha = typeof body.base === "string" ? repo.git.refs.get(`refs/heads/${body.base}`) : undefined;
      const invalid = [...(baseSha ? [] : [{ resource: "PullRequest", field: "base", code: "invalid" }]), ...(headSha ? [] : [{ resource: "PullRequest", field: "head", code: "invalid" }])];
      if (!headSha || !baseSha) return validationFailed(...invalid);
      // GitHub allows one open pull per head and base pair.
      const open = [...repo.pulls.values()].some(({ seed, headRepo }) => !headRepo && (seed.state ?? "open") === "open" && seed.head.ref === headBranch && seed.base.ref === body.base);
      if (open) return validationFailed({ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${owner}:${headBranch}.` });
      const change = pullChange(repo, baseSha, headSha);
      if (!change.commits.length) return validationFailed({ resource: "PullRequest", code: "custom", message: `No commits between ${body.base} and ${headBranch}` });
      const seed: SeedPull = {
        number: nextNumber(repo),
        title: body.title,
        body: typeof body.body === "string" ? body.body : null,
        state: "open",
        draft: body.draft === true,
        author: s.bot.login,
        base: { ref: body.base, sha: baseSha },
        head: { ref: headBranch, sha: headSha },
      };
      const { id } = registerPull(s, repo, seed, change, { created: true });
      const files = change.files.map((f) => diffEntry(s.urls, repo.repo.full_name, headSha, f));
      const pull = pullRequest(s.urls, repo.repo, seed, { id, author: s.bot, files, commits: change.commits.length });
      return { status: 201, body: pull, headers: { location: pull.url } };
    }],
  ];
}
