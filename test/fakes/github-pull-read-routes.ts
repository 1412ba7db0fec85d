import { createHash } from "node:crypto";
import { pullChange } from "./github-pull-routes.ts";
import type { Change, GitHubState, HandlerInput, RepoState, RouteDef } from "./github-routes.ts";
import { notFound, paginate, repoOf } from "./github-routes.ts";
import type { Schemas } from "./github-shapes.ts";
import { commit, diffEntry, pullRequest, type SeedFile } from "./github-shapes-pulls.ts";

/** Reading pulls and comparisons: seeded ones as seeded, the object store's as its branches and commits are. */
const fakeSha = (seed: string) => createHash("sha1").update(seed).digest("hex");

/** A comparison seeded (or kept by a pull), else worked out from the object store when both sides resolve there. */
function comparison(repo: RepoState, base: string, head: string): Change | undefined {
  const seeded = repo.comparisons.get(`${base}...${head}`);
  if (seeded) return seeded;
  const baseSha = repo.git.resolve(base);
  const headSha = repo.git.resolve(head);
  return baseSha && headSha ? pullChange(repo, baseSha, headSha) : undefined;
}

export function pullReadRoutes(s: GitHubState): RouteDef[] {
  const files = (repo: RepoState, headSha: string, seeds: SeedFile[]) => seeds.map((f) => diffEntry(s.urls, repo.repo.full_name, headSha, f));
  const pull = (input: HandlerInput) => repoOf(s, input.params).pulls.get(Number(input.params.pull_number));
  return [
    ["GET /repos/{owner}/{repo}/pulls/{pull_number}", "installation", (input) => {
      const found = pull(input);
      if (!found) return notFound();
      const repo = repoOf(s, input.params);
      const { seed, headRepo } = found;
      const change = repo.comparisons.get(`${seed.base.sha}...${seed.head.sha}`);
      const login = seed.author ?? "octocat";
      const author = login === s.bot.login ? s.bot : login === headRepo?.owner.login ? headRepo.owner : { ...s.bot, login, type: "User" };
      const body = pullRequest(s.urls, repo.repo, seed, { id: found.id, author, headRepo, files: files(repo, seed.head.sha, seed.files ?? []), commits: change?.commits.length ?? 1 });
      return { status: 200, body };
    }],
    ["GET /repos/{owner}/{repo}/pulls/{pull_number}/files", "installation", (input) => {
      const found = pull(input);
      if (!found) return notFound();
      const page = paginate(files(repoOf(s, input.params), found.seed.head.sha, (found.seed.files ?? []).slice(0, 3000)), input);
      return { status: 200, body: page.items, headers: page.headers };
    }],
    ["GET /repos/{owner}/{repo}/compare/{basehead}", "installation", (input) => {
      const repo = repoOf(s, input.params);
      const [base, head] = input.params.basehead.split("...");
      const change = head === undefined ? undefined : comparison(repo, base, head);
      if (!change) return notFound();
      const author = { ...s.bot, login: "octocat", type: "User" };
      let parent = base;
      const commits = change.commits.map((message, i) => {
        const last = i === change.commits.length - 1;
        const sha = change.shas?.[i] ?? (last && /^[0-9a-f]{40}$/.test(head) ? head : fakeSha(`${head}:${i}`));
        const c = commit(s.urls, repo.repo.full_name, sha, message, parent, author);
        parent = sha;
        return c;
      });
      // GitHub: without paging parameters, up to 250 commits and all files (max 300); with them, commits are
      // paginated and the files appear on the first page only.
      const paged = input.query.has("per_page") || input.query.has("page");
      const page = paged ? paginate(commits, input) : { items: commits.slice(0, 250), headers: {} };
      const firstPage = !paged || (Number(input.query.get("page")) || 1) === 1;
      const api = `${s.urls.api}/repos/${repo.repo.full_name}`;
      const html = `${s.urls.web}/${repo.repo.full_name}/compare/${base}...${head}`;
      const baseCommit = commit(s.urls, repo.repo.full_name, repo.git.resolve(base) ?? base, "Base", undefined, author);
      const body: Schemas["commit-comparison"] = {
        url: `${api}/compare/${base}...${head}`,
        html_url: html,
        permalink_url: html,
        diff_url: `${html}.diff`,
        patch_url: `${html}.patch`,
        base_commit: baseCommit,
        merge_base_commit: baseCommit,
        status: commits.length ? "ahead" : "identical",
        ahead_by: commits.length,
        behind_by: 0,
        total_commits: commits.length,
        commits: page.items,
        files: firstPage ? files(repo, head, change.files.slice(0, 300)) : [],
      };
      return { status: 200, body, headers: page.headers };
    }],
  ];
}
