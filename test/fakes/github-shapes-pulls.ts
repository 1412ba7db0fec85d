import { createHash } from "node:crypto";
import { isoNow, nodeId, type Schemas, type Urls } from "./github-shapes.ts";

/** What a test seeds for a changed file; the rest of GitHub's diff entry is derived. */
export interface SeedFile {
  filename: string;
  status?: Schemas["diff-entry"]["status"];
  /** Unified diff hunks as GitHub sends them (no `diff --git` header). Leave out for binary or huge files. */
  patch?: string;
  additions?: number;
  deletions?: number;
  previous_filename?: string;
}

export interface SeedPull {
  number: number;
  title?: string;
  body?: string | null;
  state?: "open" | "closed";
  draft?: boolean;
  author?: string;
  /** `owner/name` of the fork the head branch lives in (a fork pull request); default: this repository. */
  headRepo?: string;
  base: { ref: string; sha: string };
  head: { ref: string; sha: string };
  files?: SeedFile[];
  /** Commit messages between base and head, oldest first (shas are derived). */
  commits?: string[];
}

export const blobSha = (text: string) => createHash("sha1").update(`blob ${Buffer.byteLength(text)}\0${text}`).digest("hex");

export function diffEntry(urls: Urls, repoFullName: string, headSha: string, file: SeedFile): Schemas["diff-entry"] {
  const counted = countLines(file.patch);
  const additions = file.additions ?? counted.additions;
  const deletions = file.deletions ?? counted.deletions;
  const path = encodeURIComponent(file.filename).replace(/%2F/g, "/");
  return {
    sha: blobSha(`${file.filename}@${headSha}`),
    filename: file.filename,
    status: file.status ?? "modified",
    additions,
    deletions,
    changes: additions + deletions,
    blob_url: `${urls.web}/${repoFullName}/blob/${headSha}/${path}`,
    raw_url: `${urls.web}/${repoFullName}/raw/${headSha}/${path}`,
    contents_url: `${urls.api}/repos/${repoFullName}/contents/${path}?ref=${headSha}`,
    ...(file.patch !== undefined ? { patch: file.patch } : {}),
    ...(file.previous_filename ? { previous_filename: file.previous_filename } : {}),
  };
}

function countLines(patch: string | undefined) {
  let additions = 0;
  let deletions = 0;
  for (const line of patch?.split("\n") ?? []) {
    if (line.startsWith("+")) additions++;
    else if (line.startsWith("-")) deletions++;
  }
  return { additions, deletions };
}

/** Right-side line numbers a review comment may target: added and context lines of each hunk. */
export function commentableLines(patch: string | undefined): Set<number> {
  const lines = new Set<number>();
  let right = 0;
  for (const line of patch?.split("\n") ?? []) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) right = Number(hunk[1]);
    else if (line.startsWith("+") || line.startsWith(" ")) lines.add(right++);
  }
  return lines;
}

export function commit(urls: Urls, repoFullName: string, sha: string, message: string, parent: string | undefined, author: Schemas["simple-user"]): Schemas["commit"] {
  const api = `${urls.api}/repos/${repoFullName}`;
  const person = { name: author.login, email: `${author.login}@users.noreply.test`, date: isoNow() };
  return {
    url: `${api}/commits/${sha}`,
    sha,
    node_id: nodeId("C", Number.parseInt(sha.slice(0, 8), 16)),
    html_url: `${urls.web}/${repoFullName}/commit/${sha}`,
    comments_url: `${api}/commits/${sha}/comments`,
    commit: {
      url: `${api}/git/commits/${sha}`,
      author: person,
      committer: person,
      message,
      comment_count: 0,
      tree: { sha: blobSha(`tree ${sha}`), url: `${api}/git/trees/${blobSha(`tree ${sha}`)}` },
      verification: { verified: false, reason: "unsigned", payload: null, signature: null, verified_at: null },
    },
    author,
    committer: author,
    parents: parent ? [{ sha: parent, url: `${api}/commits/${parent}`, html_url: `${urls.web}/${repoFullName}/commit/${parent}` }] : [],
  };
}

export function pullRequest(
  urls: Urls,
  repo: Schemas["repository"],
  seed: SeedPull,
  extra: { id: number; author: Schemas["simple-user"]; headRepo?: Schemas["repository"]; files: Schemas["diff-entry"][]; commits: number },
): Schemas["pull-request"] {
  const api = `${urls.api}/repos/${repo.full_name}`;
  const html = `${urls.web}/${repo.full_name}/pull/${seed.number}`;
  const at = isoNow();
  // A fork pull's head names the fork: its repository (`fork: true`), its owner as user and in the label.
  const side = (s: { ref: string; sha: string }, r = repo) => ({ label: `${r.owner.login}:${s.ref}`, ref: s.ref, sha: s.sha, repo: r, user: r.owner });
  const link = (href: string) => ({ href });
  return {
    url: `${api}/pulls/${seed.number}`,
    id: extra.id,
    node_id: nodeId("PR", extra.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${api}/issues/${seed.number}`,
    commits_url: `${api}/pulls/${seed.number}/commits`,
    review_comments_url: `${api}/pulls/${seed.number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${seed.number}/comments`,
    statuses_url: `${api}/statuses/${seed.head.sha}`,
    number: seed.number,
    state: seed.state ?? "open",
    locked: false,
    title: seed.title ?? `Pull request #${seed.number}`,
    user: extra.author,
    body: seed.body ?? null,
    labels: [],
    milestone: null,
    created_at: at,
    updated_at: at,
    closed_at: seed.state === "closed" ? at : null,
    merged_at: null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: side(seed.head, extra.headRepo),
    base: side(seed.base),
    _links: {
      comments: link(`${api}/issues/${seed.number}/comments`),
      commits: link(`${api}/pulls/${seed.number}/commits`),
      statuses: link(`${api}/statuses/${seed.head.sha}`),
      html: link(html),
      issue: link(`${api}/issues/${seed.number}`),
      review_comments: link(`${api}/pulls/${seed.number}/comments`),
      review_comment: link(`${api}/pulls/comments{/number}`),
      self: link(`${api}/pulls/${seed.number}`),
    },
    author_association: extra.headRepo ? "CONTRIBUTOR" : "MEMBER",
    auto_merge: null,
    draft: seed.draft ?? false,
    merged: false,
    mergeable: true,
    rebaseable: true,
    mergeable_state: "clean",
    merged_by: null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: extra.commits,
    additions: extra.files.reduce((n, f) => n + f.additions, 0),
    deletions: extra.files.reduce((n, f) => n + f.deletions, 0),
    changed_files: extra.files.length,
  };
}
