import type { FileMode, Person } from "./git-store.ts";
import { syncPulls } from "./github-pull-routes.ts";
import type { RepoState } from "./github-routes.ts";
import { isoNow } from "./github-shapes.ts";

/** Seeding branches in a repository's object store, and reading them back, for FakeGitHub's test-facing methods. */
export type SeedFiles = Record<string, string | { content: string; executable?: boolean }>;

/** Seeded commits are authored by octocat, whose noreply email maps to a GitHub user in commit responses. */
const seedAuthor = (): Person => ({ name: "Octo Cat", email: "octocat@users.noreply.github.com", date: isoNow() });

export function commitBranch(repo: RepoState, branch: string, files: SeedFiles, message: string): string {
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

export function textFiles(repo: RepoState, shaOrBranch: string): Record<string, string> {
  const sha = repo.git.resolve(shaOrBranch);
  if (!sha) throw new Error(`fake GitHub: no commit or branch ${shaOrBranch} in ${repo.repo.full_name}`);
  return Object.fromEntries([...repo.git.files(sha)].map(([path, f]) => [path, f.bytes.toString()]));
}
