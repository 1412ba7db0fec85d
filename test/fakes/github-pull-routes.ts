import type { GitHubState, RepoState, RouteDef } from "./github-routes.ts";
import { diffEntry, pullRequest, type SeedFile, type SeedPull } from "./github-shapes-pulls.ts";
import { changedFiles } from "./line-diff.ts";

/** Opening pull requests between branches of the object store, and keeping them in step when a branch moves. */
const DOCS = "https://docs.github.com/rest/pulls/pulls#create-a-pull-request";
type Json = Record<string, any>;
const validationFailed = (...errors: Json[]) => ({ status: 422, body: { message: "Validation Failed", errors, documentation_url: DOCS, status: "422" } });

/** What a pull from head into base shows: the files changed since their merge base, and the commits in between. */
function pullChange(repo: RepoState, baseSha: string, headSha: string): { files: SeedFile[]; commits: string[] } {
  const git = repo.git;
  const since = git.mergeBase(baseSha, headSha);
  const files = changedFiles(since ? git.files(since) : new Map(), git.files(headSha));
  return { files, commits: git.commitsBetween(baseSha, headSha).map((c) => c.message) };
}

/** Re-reads a pull's head and base branches (GitHub's `synchronize`) for pulls opened through the API. */
export function syncPulls(repo: RepoState, branch: string) {
  for (const pull of repo.pulls.values()) {
    const seed = pull.seed;
    if (!pull.created || seed.state === "closed" || (seed.head.ref !== branch && seed.base.ref !== branch)) continue;
    seed.head.sha = repo.git.resolve(seed.head.ref) ?? seed.head.sha;
    seed.base.sha = repo.git.resolve(seed.base.ref) ?? seed.base.sha;
    const change = pullChange(repo, seed.base.sha, seed.head.sha);
    seed.files = change.files;
    seed.commits = change.commits;
    repo.comparisons.set(`${seed.base.sha}...${seed.head.sha}`, change);
  }
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
      const open = [...repo.pulls.values()].some(({ seed }) => (seed.state ?? "open") === "open" && seed.head.ref === headBranch && seed.base.ref === body.base);
      if (open) return validationFailed({ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${owner}:${headBranch}.` });
      const change = pullChange(repo, baseSha, headSha);
      if (!change.commits.length) return validationFailed({ resource: "PullRequest", code: "custom", message: `No commits between ${body.base} and ${headBranch}` });
      const number = Math.max(0, ...repo.pulls.keys()) + 1;
      const seed: SeedPull = {
        number,
        title: body.title,
        body: typeof body.body === "string" ? body.body : null,
        state: "open",
        draft: body.draft === true,
        author: s.bot.login,
        base: { ref: body.base, sha: baseSha },
        head: { ref: headBranch, sha: headSha },
        files: change.files,
        commits: change.commits,
      };
      const id = s.nextId();
      repo.pulls.set(number, { seed, id, created: true });
      repo.comparisons.set(`${baseSha}...${headSha}`, change);
      const files = change.files.map((f) => diffEntry(s.urls, repo.repo.full_name, headSha, f));
      const pull = pullRequest(s.urls, repo.repo, seed, { id, author: s.bot, files, commits: change.commits.length });
      return { status: 201, body: pull, headers: { location: pull.url } };
    }],
  ];
}
