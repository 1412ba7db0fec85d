import type { FileMode, Person } from "./git-store.ts";
import { type OpenPullOptions, openPull, syncPulls } from "./github-pull-routes.ts";
import type { GitHubState, RepoState } from "./github-routes.ts";
import { forkRepository, isoNow } from "./github-shapes.ts";
import type { SeedFile, SeedPull } from "./github-shapes-pulls.ts";

/** What tests seed in the fake GitHub's repositories, and read back from them: FakeGitHub's repository methods. */
export type SeedFiles = Record<string, string | { content: string; executable?: boolean }>;

/** Seeded commits are authored by octocat, whose noreply email maps to a GitHub user in commit responses. */
const seedAuthor = (): Person => ({ name: "Octo Cat", email: "octocat@users.noreply.github.com", date: isoNow() });

function commitBranch(repo: RepoState, branch: string, files: SeedFiles, message: string): string {
  const entries = Object.entries(files).map(([path, f]): [string, { bytes: Buffer; mode: FileMode }] => {
    const file = typeof f === "string" ? { content: f } : f;
    return [path, { bytes: Buffer.from(file.content), mode: file.executable ? "100755" : "100644" }];
  });
  const parent = repo.git.refs.get(`refs/heads/${branch}`);
  const commit = repo.git.addCommit({ message, tree: repo.git.writeFiles(new Map(entries)), parents: parent ? [parent] : [], author: seedAuthor() });
  repo.git.refs.set(`refs/heads/${branch}`, commit.sha);
  syncPulls(repo, branch);
  return commit.sha;
}

export abstract class GitHubSeeds {
  abstract readonly state: GitHubState;
  abstract id(): number;

  /** A pull exactly as seeded (its files, commits and shas stay as given; `headRepo` makes it a fork pull). */
  addPull(fullName: string, seed: SeedPull) {
    const repo = this.repoState(fullName);
    const headRepo = seed.headRepo ? forkRepository(this.state.urls, repo.repo, seed.headRepo, this.id(), this.id()) : undefined;
    repo.pulls.set(seed.number, { seed, id: this.id(), headRepo });
    this.addComparison(fullName, seed.base.sha, seed.head.sha, { files: seed.files ?? [], commits: seed.commits ?? [`Change for #${seed.number}`] });
  }

  /**
   * A pull request from branch `head` into branch `base` (both made with setBranch) that follows its branches as
   * pulls opened through `POST /pulls` do. With `headRepo` it is a fork pull: `head.repo` is that fork, and the
   * head branch no longer exists in this repository (its commits stay readable by sha). Returns the number.
   */
  openPull(fullName: string, options: OpenPullOptions): number {
    return openPull(this.state, this.repoState(fullName), options);
  }

  /** From now on the git refs API refuses to create or move `refs/heads/<branch>` (GitHub's 422s); `false` lifts it. */
  protectBranch(fullName: string, branch: string, isProtected = true) {
    const branches = this.repoState(fullName).protectedBranches;
    if (isProtected) branches.add(branch);
    else branches.delete(branch);
  }

  /** From now on the installation lacks `contents: write` here: git data writes and `POST /pulls` answer 403. */
  denyWrites(fullName: string, denied = true) {
    this.repoState(fullName).writesDenied = denied;
  }

  /** What `GET /compare/{base}...{head}` answers for these two commits or refs. */
  addComparison(fullName: string, base: string, head: string, change: { files: SeedFile[]; commits?: string[] }) {
    this.repoState(fullName).comparisons.set(`${base}...${head}`, { files: change.files, commits: change.commits ?? ["Change"] });
  }

  setFile(fullName: string, ref: string, path: string, content: string) {
    const files = this.repoState(fullName).files;
    if (!files.has(ref)) files.set(ref, new Map());
    files.get(ref)!.set(path, content);
  }

  /**
   * Commits exactly these files (parent: the branch's head, if any) and points `refs/heads/<branch>` at the commit;
   * pulls opened through the API or openPull from or into the branch follow it. Returns the commit sha.
   */
  setBranch(fullName: string, branch: string, files: SeedFiles, message = `Update ${branch}`): string {
    return commitBranch(this.repoState(fullName), branch, files, message);
  }

  branchSha(fullName: string, branch: string): string | undefined {
    return this.repoState(fullName).git.refs.get(`refs/heads/${branch}`);
  }

  /** The text of every file in the commit a sha (full or abbreviated) or branch names. */
  filesAt(fullName: string, shaOrBranch: string): Record<string, string> {
    const repo = this.repoState(fullName);
    const sha = repo.git.resolve(shaOrBranch);
    if (!sha) throw new Error(`fake GitHub: no commit or branch ${shaOrBranch} in ${fullName}`);
    return Object.fromEntries([...repo.git.files(sha)].map(([path, f]) => [path, f.bytes.toString()]));
  }

  commitInfo(fullName: string, sha: string): { message: string; parents: string[]; tree: string; author: Person } {
    const found = this.repoState(fullName).git.commits.get(sha);
    if (!found) throw new Error(`fake GitHub: no commit ${sha} in ${fullName}`);
    return { message: found.message, parents: [...found.parents], tree: found.tree, author: { ...found.author } };
  }

  /** Pulls opened through `POST /repos/{owner}/{repo}/pulls`, oldest first. */
  createdPulls(fullName: string): SeedPull[] {
    return [...this.repoState(fullName).pulls.values()].filter((p) => p.created).map((p) => p.seed);
  }

  protected repoState(fullName: string): RepoState {
    const repo = this.state.repos.get(fullName.toLowerCase());
    if (!repo) throw new Error(`fake GitHub: no repository ${fullName}; call addRepo first`);
    return repo;
  }
}
