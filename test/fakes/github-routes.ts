import type { GitStore } from "./git-store.ts";
import { archiveRoutes } from "./github-archive-routes.ts";
import { installationToken } from "./github-auth.ts";
import { gitRoutes } from "./github-git-routes.ts";
import { type OAuthState, userRoutes } from "./github-oauth.ts";
import { pullReadRoutes } from "./github-pull-read-routes.ts";
import { pullRoutes } from "./github-pull-routes.ts";
import { appPermissions, integration, isoNow, type Schemas, type Urls } from "./github-shapes.ts";
import { contentFile } from "./github-shapes-git.ts";
import type { SeedFile, SeedPull } from "./github-shapes-pulls.ts";
import { writeRoutes } from "./github-writes.ts";

/** Everything the fake GitHub knows; tests read it to assert what the product wrote. */
export interface RepoState {
  repo: Schemas["repository"];
  installationId: number;
  pulls: Map<number, PullEntry>;
  /** ref -> path -> text */
  files: Map<string, Map<string, string>>;
  /** "base...head" -> change */
  comparisons: Map<string, Change>;
  /** Commits, trees, blobs and branch refs (what setBranch seeds and the git data API writes). */
  git: GitStore;
  /** Branches whose refs the git data API refuses to move (protectBranch). */
  protectedBranches: Set<string>;
  /** The installation lacks `contents: write` here: git data writes and opening pulls answer 403 (denyWrites). */
  writesDenied: boolean;
}

/** What a comparison or a pull shows: changed files and commit messages (with the real shas, from the object store). */
export interface Change {
  files: SeedFile[];
  commits: string[];
  shas?: string[];
}

export interface PullEntry {
  seed: SeedPull;
  id: number;
  /** Opened through `POST /pulls` (what createdPulls lists). */
  created?: boolean;
  /** Kept in step with its branches (opened through `POST /pulls` or openPull), not a fixed seed. */
  tracked?: boolean;
  /** A fork pull's head repository (`fork: true`); absent: the head branch is in this repository. */
  headRepo?: Schemas["repository"];
}

export interface GitHubState {
  urls: Urls;
  app: { id: number; slug: string; owner: Schemas["simple-user"] };
  /** The App's bot user (`<slug>[bot]`), author of everything written with an installation token. */
  bot: Schemas["simple-user"];
  installations: Map<number, Schemas["installation"]>;
  repos: Map<string, RepoState>;
  tokens: Map<string, { installationId: number; expiresAt: number }>;
  minted: { installationId: number; token: string; expiresAt: string }[];
  tokenLifetimeMs: number;
  checkRuns: Map<number, { repo: string; data: Schemas["check-run"] }>;
  comments: Map<number, { repo: string; issueNumber: number; data: Schemas["issue-comment"] }>;
  reviews: { repo: string; pullNumber: number; event?: string; comments: unknown[]; data: Schemas["pull-request-review"] }[];
  statuses: { repo: string; sha: string; data: Schemas["status"] }[];
  /** Tokens on the codeload URLs the tarball route redirected to. */
  codeload: Map<string, { repo: string; sha: string; expiresAt: number }>;
  /** The App's OAuth client: the web flow's codes, the user tokens it handed out, the users they belong to. */
  oauth: OAuthState;
  nextId(): number;
}

/** What a route needs: an App JWT, an installation token (of the repository's installation), or a user token. */
export type RouteAuth = "app" | "installation" | "user";
export interface HandlerInput {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  raw: string;
  /** Request headers, names lower-cased (the server always passes them). */
  headers?: Record<string, string>;
  /** The absolute URL of this request without its query, for Link headers. */
  pageUrl: string;
}
export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}
export type Handler = (input: HandlerInput) => Answer | Promise<Answer>;
export type RouteDef = [route: string, auth: RouteAuth, handler: Handler];

export const notFound = (): Answer => ({ status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" } });
export const repoOf = (s: GitHubState, p: Record<string, string>) => s.repos.get(`${p.owner}/${p.repo}`.toLowerCase())!;

/** GitHub's page/per_page slicing with a `Link` header (prev, next, last, first). */
export function paginate<T>(items: T[], input: HandlerInput, perPageDefault = 30): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(input.query.get("per_page")) || perPageDefault));
  const page = Math.max(1, Number(input.query.get("page")) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (p: number, rel: string) => {
    const url = new URL(input.pageUrl);
    for (const [k, v] of input.query) url.searchParams.set(k, v);
    url.searchParams.set("page", String(p));
    return `<${url}>; rel="${rel}"`;
  };
  const links = [];
  if (page > 1) links.push(link(page - 1, "prev"));
  if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
  if (page > 1) links.push(link(1, "first"));
  return { items: items.slice((page - 1) * perPage, page * perPage), headers: links.length ? { link: links.join(", ") } : {} };
}

function readRoutes(s: GitHubState): RouteDef[] {
  return [
    ["GET /app", "app", () => ({ status: 200, body: integration(s.urls, s.app) })],
    ["GET /app/installations/{installation_id}", "app", ({ params }) => {
      const found = s.installations.get(Number(params.installation_id));
      return found ? { status: 200, body: found } : notFound();
    }],
    ["POST /app/installations/{installation_id}/access_tokens", "app", ({ params, body }) => {
      const installationId = Number(params.installation_id);
      const found = s.installations.get(installationId);
      if (!found) return notFound();
      if (found.suspended_at) return { status: 403, body: { message: "This installation has been suspended", documentation_url: "https://docs.github.com/rest", status: "403" } };
      const token = installationToken();
      const expiresAt = Date.now() + s.tokenLifetimeMs;
      s.tokens.set(token, { installationId, expiresAt });
      const expires_at = isoNow(expiresAt);
      s.minted.push({ installationId, token, expiresAt: expires_at });
      const requested = (body as { permissions?: Schemas["app-permissions"] } | undefined)?.permissions;
      const answer: Schemas["installation-token"] = { token, expires_at, permissions: requested ?? appPermissions, repository_selection: "selected" };
      return { status: 201, body: answer };
    }],
    ["GET /repos/{owner}/{repo}/installation", "app", ({ params }) => {
      const repo = s.repos.get(`${params.owner}/${params.repo}`.toLowerCase());
      const found = repo && s.installations.get(repo.installationId);
      return found ? { status: 200, body: found } : notFound();
    }],
    ["GET /repos/{owner}/{repo}", "installation", ({ params }) => ({ status: 200, body: repoOf(s, params).repo })],
    ["GET /repos/{owner}/{repo}/contents/{path}", "installation", ({ params, query }) => {
      const repo = repoOf(s, params);
      const ref = query.get("ref") || repo.repo.default_branch;
      // Files seeded with setFile win; otherwise the commit the ref resolves to in the object store.
      const seeded = repo.files.get(ref)?.get(params.path);
      const sha = seeded === undefined ? repo.git.resolve(ref) : undefined;
      const text = seeded ?? (sha ? repo.git.files(sha).get(params.path)?.bytes.toString() : undefined);
      return text === undefined ? notFound() : { status: 200, body: contentFile(s.urls, repo.repo.full_name, params.path, ref, text) };
    }],
  ];
}

/** Route strings (octokit's `METHOD /path/{param}` form) compiled to matchers. */
export function routeTable(s: GitHubState) {
  const defs = [...readRoutes(s), ...pullReadRoutes(s), ...writeRoutes(s), ...gitRoutes(s), ...pullRoutes(s), ...archiveRoutes(s), ...userRoutes(s)].map(([route, auth, handler]) => {
    const [method, template] = route.split(" ");
    const names: string[] = [];
    const pattern = template.replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      // A file path, a "base...head" pair and a ref (`heads/feature/x`) may contain slashes (sent as %2F or as /).
      return name === "path" || name === "basehead" || name === "ref" ? "(.+)" : "([^/]+)";
    });
    return { route, method, auth, handler, regex: new RegExp(`^${pattern}/?$`), names };
  });
  return {
    match(method: string, path: string) {
      for (const def of defs) {
        if (def.method !== method) continue;
        const m = def.regex.exec(path);
        if (!m) continue;
        const params = Object.fromEntries(def.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
        return { route: def.route, auth: def.auth, handler: def.handler, params };
      }
      return undefined;
    },
  };
}
