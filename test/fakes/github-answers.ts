import type { Answer, GitHubState } from "./github-routes.ts";
import type { ScriptedResponse } from "./http.ts";

/** Answers the fake GitHub gives around its route handlers: rate-limit headers and failures, missing permissions. */
const DOCS = "https://docs.github.com/rest";

/** Routes an installation may call only with a write permission, with that permission and their docs anchor. */
const WRITES: Record<string, { permission: string; doc: string }> = {
  "POST /repos/{owner}/{repo}/git/blobs": { permission: "contents=write", doc: "git/blobs#create-a-blob" },
  "POST /repos/{owner}/{repo}/git/trees": { permission: "contents=write", doc: "git/trees#create-a-tree" },
  "POST /repos/{owner}/{repo}/git/commits": { permission: "contents=write", doc: "git/commits#create-a-commit" },
  "POST /repos/{owner}/{repo}/git/refs": { permission: "contents=write", doc: "git/refs#create-a-reference" },
  "PATCH /repos/{owner}/{repo}/git/refs/{ref}": { permission: "contents=write", doc: "git/refs#update-a-reference" },
  "POST /repos/{owner}/{repo}/pulls": { permission: "pull_requests=write", doc: "pulls/pulls#create-a-pull-request" },
};

/**
 * GitHub's 403 for an installation token without the permission a write needs (denyWrites): the message every
 * missing App permission gets, the route's docs, and `x-accepted-github-permissions` naming what was needed.
 */
export function writeRefusal(s: GitHubState, route: string, params: Record<string, string>): Answer | undefined {
  const write = WRITES[route];
  if (!write || !s.repos.get(`${params.owner}/${params.repo}`.toLowerCase())?.writesDenied) return undefined;
  const body = { message: "Resource not accessible by integration", documentation_url: `${DOCS}/${write.doc}`, status: "403" };
  return { status: 403, body, headers: { "x-accepted-github-permissions": write.permission } };
}

/** GitHub's real rate-limit answers: primary (remaining 0 + reset time) or secondary (retry-after + message). */
export function rateLimited(options: { kind: "primary" | "secondary"; status?: 403 | 429; waitS?: number; times?: number }, installationId: number): ScriptedResponse {
  const waitS = options.waitS ?? 1;
  const status = options.status ?? 403;
  if (options.kind === "primary") {
    const reset = Math.ceil(Date.now() / 1000) + waitS;
    const headers = { "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-used": "5000", "x-ratelimit-reset": String(reset), "x-ratelimit-resource": "core" };
    return { status, headers, times: options.times, body: { message: `API rate limit exceeded for installation ID ${installationId}.`, documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`, status: String(status) } };
  }
  const message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID FAKE:0000.";
  return { status, headers: { "retry-after": String(waitS) }, times: options.times, body: { message, documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`, status: String(status) } };
}

/** The request-id, API version and rate-limit headers on every answer, counting the requests so far. */
export function rateHeaders(requests: number): Record<string, string> {
  return {
    "x-github-request-id": `FAKE:${requests}`,
    "x-github-api-version-selected": "2022-11-28",
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": String(Math.max(0, 5000 - requests)),
    "x-ratelimit-used": String(requests),
    "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + 3600),
    "x-ratelimit-resource": "core",
  };
}
