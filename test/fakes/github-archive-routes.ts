import { createHash, randomBytes } from "node:crypto";
import type { Answer, GitHubState, HandlerInput, RouteDef } from "./github-routes.ts";
import { notFound, repoOf } from "./github-routes.ts";
import { type Schemas, user } from "./github-shapes.ts";
import { restCommit } from "./github-shapes-git.ts";
import { diffEntry } from "./github-shapes-pulls.ts";
import { changedFiles } from "./line-diff.ts";
import { githubTarball } from "./tar.ts";

/**
 * Reading commits by ref and downloading tarballs. Like GitHub, the tarball route answers 302 to a codeload URL
 * that carries its own short-lived token in the query; codeload is served by this fake outside the API prefix.
 */
export const CODELOAD_ROUTE = "GET /_codeload/{owner}/{repo}/legacy.tar.gz/{sha}";
const CODELOAD_TOKEN_MS = 5 * 60_000;

/** The GitHub user a commit email belongs to: the App's bot, a `users.noreply.github.com` login, else nobody. */
function userOf(s: GitHubState, email: string): Schemas["simple-user"] | null {
  if (email === `${s.bot.id}+${s.bot.login}@users.noreply.github.com`) return s.bot;
  const login = /^(?:\d+\+)?([A-Za-z0-9-]+)@users\.noreply\.github\.com$/.exec(email)?.[1];
  return login ? user(s.urls, login, Number.parseInt(createHash("sha1").update(login).digest("hex").slice(0, 7), 16)) : null;
}

export function archiveRoutes(s: GitHubState): RouteDef[] {
  const tarball = (input: HandlerInput): Answer => {
    const repo = repoOf(s, input.params);
    const sha = repo.git.resolve(input.params.ref ?? repo.repo.default_branch);
    if (!sha) return notFound();
    const token = randomBytes(20).toString("base64url").toUpperCase();
    s.codeload.set(token, { repo: repo.repo.full_name.toLowerCase(), sha, expiresAt: Date.now() + CODELOAD_TOKEN_MS });
    return { status: 302, body: null, headers: { location: `${s.urls.web}/_codeload/${repo.repo.full_name}/legacy.tar.gz/${sha}?token=${token}` } };
  };
  return [
    ["GET /repos/{owner}/{repo}/commits/{ref}", "installation", ({ params }) => {
      const repo = repoOf(s, params);
      const sha = repo.git.resolve(params.ref);
      if (!sha) return { status: 422, body: { message: `No commit found for SHA: ${params.ref}`, documentation_url: "https://docs.github.com/rest/commits/commits#get-a-commit", status: "422" } };
      const c = repo.git.commits.get(sha)!;
      const name = repo.repo.full_name;
      const files = changedFiles(c.parents[0] ? repo.git.files(c.parents[0]) : new Map(), repo.git.files(sha)).map((f) => diffEntry(s.urls, name, sha, f));
      return { status: 200, body: restCommit(s.urls, name, c, { userOf: (email) => userOf(s, email), files }) };
    }],
    ["GET /repos/{owner}/{repo}/tarball/{ref}", "installation", tarball],
    ["GET /repos/{owner}/{repo}/tarball", "installation", tarball],
  ];
}

/** codeload: no Authorization needed, only a token this fake minted for that repository and commit. */
export function codeload(s: GitHubState, method: string, url: URL): Response {
  const missing = () => new Response("404: Not Found", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
  const m = /^\/_codeload\/([^/]+)\/([^/]+)\/legacy\.tar\.gz\/([0-9a-f]{40})$/.exec(url.pathname);
  if (method !== "GET" || !m) return missing();
  const grant = s.codeload.get(url.searchParams.get("token") ?? "");
  const fullName = `${m[1]}/${m[2]}`.toLowerCase();
  if (!grant || grant.expiresAt <= Date.now() || grant.repo !== fullName || grant.sha !== m[3]) return missing();
  const repo = s.repos.get(fullName)!;
  const c = repo.git.commits.get(grant.sha)!;
  const top = `${repo.repo.owner.login}-${repo.repo.name}-${grant.sha.slice(0, 7)}`;
  const bytes = githubTarball(top, grant.sha, repo.git.files(grant.sha), Math.floor(Date.parse(c.committer.date) / 1000));
  return new Response(bytes, {
    status: 200,
    headers: { "content-type": "application/x-gzip", "content-disposition": `attachment; filename=${top}.tar.gz`, etag: `"${grant.sha}"` },
  });
}
