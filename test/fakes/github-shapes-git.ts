import type { StoredCommit, TreeListing } from "./git-store.ts";
import { nodeId, type Schemas, type Urls } from "./github-shapes.ts";
import { blobSha } from "./github-shapes-pulls.ts";

/** GitHub's shapes for the git data API, the REST commit and file contents, built from the fake's object store. */
const unsigned = { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null };
// GitHub's node ids for git objects are opaque; derive a stable one from the sha.
const shaNodeId = (prefix: string, sha: string) => nodeId(prefix, Number.parseInt(sha.slice(0, 8), 16));

export function gitCommit(urls: Urls, repoFullName: string, c: StoredCommit): Schemas["git-commit"] {
  const api = `${urls.api}/repos/${repoFullName}`;
  return {
    sha: c.sha,
    node_id: shaNodeId("C", c.sha),
    url: `${api}/git/commits/${c.sha}`,
    html_url: `${urls.web}/${repoFullName}/commit/${c.sha}`,
    author: { ...c.author },
    committer: { ...c.committer },
    message: c.message,
    tree: { sha: c.tree, url: `${api}/git/trees/${c.tree}` },
    parents: c.parents.map((sha) => ({ sha, url: `${api}/git/commits/${sha}`, html_url: `${urls.web}/${repoFullName}/commit/${sha}` })),
    verification: unsigned,
  };
}

/** `GET /commits/{ref}`: the commit with GitHub users for author/committer (null when the email is nobody's). */
export function restCommit(
  urls: Urls,
  repoFullName: string,
  c: StoredCommit,
  extra: { userOf: (email: string) => Schemas["simple-user"] | null; files: Schemas["diff-entry"][] },
): Schemas["commit"] {
  const api = `${urls.api}/repos/${repoFullName}`;
  const additions = extra.files.reduce((n, f) => n + f.additions, 0);
  const deletions = extra.files.reduce((n, f) => n + f.deletions, 0);
  return {
    url: `${api}/commits/${c.sha}`,
    sha: c.sha,
    node_id: shaNodeId("C", c.sha),
    html_url: `${urls.web}/${repoFullName}/commit/${c.sha}`,
    comments_url: `${api}/commits/${c.sha}/comments`,
    commit: {
      url: `${api}/git/commits/${c.sha}`,
      author: { ...c.author },
      committer: { ...c.committer },
      message: c.message,
      comment_count: 0,
      tree: { sha: c.tree, url: `${api}/git/trees/${c.tree}` },
      verification: unsigned,
    },
    author: extra.userOf(c.author.email),
    committer: extra.userOf(c.committer.email),
    parents: c.parents.map((sha) => ({ sha, url: `${api}/commits/${sha}`, html_url: `${urls.web}/${repoFullName}/commit/${sha}` })),
    stats: { total: additions + deletions, additions, deletions },
    files: extra.files,
  };
}

export function gitRef(urls: Urls, repoFullName: string, ref: string, sha: string): Schemas["git-ref"] {
  const api = `${urls.api}/repos/${repoFullName}`;
  return {
    ref,
    node_id: `REF_kwDO${Buffer.from(`${repoFullName}:${ref}`).toString("base64url")}`,
    url: `${api}/git/${ref}`,
    object: { type: "commit", sha, url: `${api}/git/commits/${sha}` },
  };
}

export function gitTree(urls: Urls, repoFullName: string, sha: string, entries: TreeListing[]): Schemas["git-tree"] {
  const api = `${urls.api}/repos/${repoFullName}`;
  return {
    sha,
    url: `${api}/git/trees/${sha}`,
    truncated: false,
    tree: entries.map((e) => ({ ...e, url: `${api}/git/${e.type === "tree" ? "trees" : "blobs"}/${e.sha}` })),
  };
}

export function contentFile(urls: Urls, repoFullName: string, path: string, ref: string, text: string): Schemas["content-file"] {
  const sha = blobSha(text);
  const api = `${urls.api}/repos/${repoFullName}`;
  const html = `${urls.web}/${repoFullName}/blob/${ref}/${path}`;
  return {
    type: "file",
    encoding: "base64",
    size: Buffer.byteLength(text),
    name: path.split("/").pop() ?? path,
    path,
    // GitHub wraps the base64 at 60 characters per line.
    content: `${Buffer.from(text).toString("base64").replace(/.{60}/g, "$&\n")}\n`,
    sha,
    url: `${api}/contents/${path}?ref=${ref}`,
    git_url: `${api}/git/blobs/${sha}`,
    html_url: html,
    download_url: `${urls.web}/${repoFullName}/raw/${ref}/${path}`,
    _links: { git: `${api}/git/blobs/${sha}`, html, self: `${api}/contents/${path}?ref=${ref}` },
  };
}
