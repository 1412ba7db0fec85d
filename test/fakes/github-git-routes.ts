import type { FileMode, FlatTree, GitStore, Person } from "./git-store.ts";
import { syncPulls } from "./github-pull-routes.ts";
import type { Answer, GitHubState, HandlerInput, RepoState, RouteDef } from "./github-routes.ts";
import { notFound, repoOf } from "./github-routes.ts";
import { isoNow } from "./github-shapes.ts";
import { gitCommit, gitRef, gitTree } from "./github-shapes-git.ts";

/** The git data API (blobs, trees, commits, refs) over each repository's object store, with GitHub's 422s. */
const DOCS = "https://docs.github.com/rest/git";
type Json = Record<string, any>;
const unprocessable = (message: string, doc: string): Answer => ({ status: 422, body: { message, documentation_url: `${DOCS}/${doc}`, status: "422" } });
const MODES = ["100644", "100755", "040000", "160000", "120000"];
/** A protected branch (protectBranch): its rule requires pull requests, so no ref update may move or create it. */
const isProtected = (repo: RepoState, ref: string) => ref.startsWith("refs/heads/") && repo.protectedBranches.has(ref.slice("refs/heads/".length));

/** The App's bot as a git identity: GitHub's `<id>+<login>@users.noreply.github.com`. */
export function botPerson(s: GitHubState, date = isoNow()): Person {
  return { name: s.bot.login, email: `${s.bot.id}+${s.bot.login}@users.noreply.github.com`, date };
}

function pathProblem(path: unknown): string | undefined {
  if (typeof path !== "string" || !path) return "Invalid request.\n\n\"path\" wasn't supplied.";
  if (path.startsWith("/")) return "tree.path cannot start with a slash";
  if (path.split("/").some((part) => part === "" || part === "." || part === ".." || part === ".git")) return "tree.path contains a malformed path component";
  return undefined;
}

/** Applies one `tree[]` entry to a flat tree; returns GitHub's complaint when it cannot. */
function applyEntry(git: GitStore, files: FlatTree, e: Json): string | undefined {
  const problem = pathProblem(e.path);
  if (problem) return problem;
  if (!MODES.includes(e.mode)) return `Invalid request.\n\nFor 'properties/mode', ${JSON.stringify(e.mode)} is not one of ${JSON.stringify(MODES)}.`;
  const path: string = e.path;
  const under = (p: string) => p === path || p.startsWith(`${path}/`);
  const hasContent = typeof e.content === "string";
  if (e.type === "commit" || e.mode === "160000") return "Invalid tree info";
  if ((e.type === "tree") !== (e.mode === "040000")) return "Invalid tree info";
  if (hasContent === (e.sha !== undefined)) return "Must supply either tree.sha or tree.content. Request will be rejected if both are present.";
  if (e.sha === null) {
    // sha: null deletes the path, or everything under it for a directory; GitHub refuses to delete what is not there.
    const doomed = [...files.keys()].filter(under);
    if (!doomed.length) return "GitRPC::BadObjectState";
    for (const p of doomed) files.delete(p);
    return undefined;
  }
  if (e.type === "tree") {
    const sub = git.trees.get(e.sha);
    if (!sub) return `tree.sha ${e.sha} is not a valid tree`;
    for (const p of [...files.keys()].filter(under)) files.delete(p);
    for (const [p, file] of sub) files.set(`${path}/${p}`, file);
    return undefined;
  }
  const sha = hasContent ? git.addBlob(Buffer.from(e.content)) : e.sha;
  if (!git.blobs.has(sha)) return "Invalid tree info";
  // A file replaces a directory of the same name, and a file's parent directories replace files with their names.
  for (const p of [...files.keys()].filter(under)) files.delete(p);
  const parts = path.split("/");
  for (let i = 1; i < parts.length; i++) files.delete(parts.slice(0, i).join("/"));
  files.set(path, { sha, mode: e.mode as FileMode });
  return undefined;
}

function person(value: unknown, fallback: Person): Person | undefined {
  if (value === undefined) return fallback;
  const p = value as Json;
  if (typeof p?.name !== "string" || typeof p?.email !== "string") return undefined;
  return { name: p.name, email: p.email, date: typeof p.date === "string" ? isoNow(Date.parse(p.date)) : fallback.date };
}

export function gitRoutes(s: GitHubState): RouteDef[] {
  const ctx = (input: HandlerInput) => {
    const repo = repoOf(s, input.params);
    return { repo, git: repo.git, name: repo.repo.full_name, api: `${s.urls.api}/repos/${repo.repo.full_name}`, body: (input.body ?? {}) as Json };
  };
  return [
    ["POST /repos/{owner}/{repo}/git/blobs", "installation", (input) => {
      const { git, api, body } = ctx(input);
      if (typeof body.content !== "string") return unprocessable("Invalid request.\n\n\"content\" wasn't supplied.", "blobs#create-a-blob");
      const encoding = body.encoding ?? "utf-8";
      if (encoding !== "utf-8" && encoding !== "base64") return unprocessable(`Invalid request.\n\n${JSON.stringify(encoding)} is not a member of ["utf-8","base64"].`, "blobs#create-a-blob");
      const sha = git.addBlob(Buffer.from(body.content, encoding === "base64" ? "base64" : "utf8"));
      return { status: 201, body: { url: `${api}/git/blobs/${sha}`, sha }, headers: { location: `${api}/git/blobs/${sha}` } };
    }],
    ["POST /repos/{owner}/{repo}/git/trees", "installation", (input) => {
      const { git, name, body } = ctx(input);
      if (!Array.isArray(body.tree)) return unprocessable("Invalid request.\n\n\"tree\" wasn't supplied.", "trees#create-a-tree");
      let files: FlatTree = new Map();
      if (body.base_tree !== undefined && body.base_tree !== null) {
        const base = git.trees.get(body.base_tree);
        if (!base) return unprocessable("base_tree is not a valid tree oid", "trees#create-a-tree");
        files = new Map(base);
      }
      for (const entry of body.tree as Json[]) {
        const problem = applyEntry(git, files, entry ?? {});
        if (problem) return unprocessable(problem, "trees#create-a-tree");
      }
      const sha = git.addTree(files);
      return { status: 201, body: gitTree(s.urls, name, sha, git.listTree(sha)), headers: { location: `${s.urls.api}/repos/${name}/git/trees/${sha}` } };
    }],
    ["POST /repos/{owner}/{repo}/git/commits", "installation", (input) => {
      const { git, name, body } = ctx(input);
      if (typeof body.message !== "string") return unprocessable("Invalid request.\n\n\"message\" wasn't supplied.", "commits#create-a-commit");
      if (typeof body.tree !== "string" || !git.trees.has(body.tree)) return unprocessable("Tree SHA does not exist", "commits#create-a-commit");
      const parents: unknown[] = body.parents ?? [];
      if (!Array.isArray(parents) || parents.some((p) => typeof p !== "string" || !git.commits.has(p))) return unprocessable("Parent SHA does not exist or is not a commit object", "commits#create-a-commit");
      // GitHub: the author defaults to the authenticated identity, the committer to the author.
      const author = person(body.author, botPerson(s));
      const committer = author && person(body.committer, author);
      if (!author || !committer) return unprocessable("Invalid request.\n\n\"name\" and \"email\" are required for author and committer.", "commits#create-a-commit");
      const created = git.addCommit({ message: body.message, tree: body.tree, parents: parents as string[], author, committer });
      return { status: 201, body: gitCommit(s.urls, name, created), headers: { location: `${s.urls.api}/repos/${name}/git/commits/${created.sha}` } };
    }],
    ["GET /repos/{owner}/{repo}/git/commits/{commit_sha}", "installation", (input) => {
      const { git, name } = ctx(input);
      const found = git.commits.get(input.params.commit_sha);
      return found ? { status: 200, body: gitCommit(s.urls, name, found) } : notFound();
    }],
    ["GET /repos/{owner}/{repo}/git/ref/{ref}", "installation", (input) => {
      const { git, name } = ctx(input);
      const full = `refs/${input.params.ref}`;
      const sha = git.refs.get(full);
      return sha ? { status: 200, body: gitRef(s.urls, name, full, sha) } : notFound();
    }],
    ["POST /repos/{owner}/{repo}/git/refs", "installation", (input) => {
      const { repo, git, name, body } = ctx(input);
      const ref = body.ref;
      if (typeof ref !== "string" || !/^refs\/[^/]+\/.+/.test(ref)) return unprocessable("Reference name must start with 'refs/' and have at least two slashes.", "refs#create-a-reference");
      if (git.refs.has(ref)) return unprocessable("Reference already exists", "refs#create-a-reference");
      // GitHub's answer to creating a branch a protection rule covers (actions/github-script#455).
      if (isProtected(repo, ref)) return unprocessable("Reference update failed", "refs#create-a-reference");
      if (typeof body.sha !== "string" || !git.commits.has(body.sha)) return unprocessable("Object does not exist", "refs#create-a-reference");
      git.refs.set(ref, body.sha);
      return { status: 201, body: gitRef(s.urls, name, ref, body.sha), headers: { location: `${s.urls.api}/repos/${name}/git/${ref}` } };
    }],
    ["PATCH /repos/{owner}/{repo}/git/refs/{ref}", "installation", (input) => {
      const { repo, git, name, body } = ctx(input);
      const full = `refs/${input.params.ref}`;
      const current = git.refs.get(full);
      if (!current) return unprocessable("Reference does not exist", "refs#update-a-reference");
      if (typeof body.sha !== "string" || !git.commits.has(body.sha)) return unprocessable("Object does not exist", "refs#update-a-reference");
      // What the REST API answers for a branch whose protection requires pull requests (the git push's GH006 reason).
      if (isProtected(repo, full)) return unprocessable("Changes must be made through a pull request.", "refs#update-a-reference");
      if (!body.force && !git.ancestors(body.sha).has(current)) return unprocessable("Update is not a fast forward", "refs#update-a-reference");
      git.refs.set(full, body.sha);
      if (full.startsWith("refs/heads/")) syncPulls(repo, full.slice("refs/heads/".length));
      return { status: 200, body: gitRef(s.urls, name, full, body.sha) };
    }],
  ];
}
