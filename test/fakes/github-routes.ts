import { createHash } from "node:crypto";
import type { GitStore } from "./git-store.ts";
import { archiveRoutes } from "./github-archive-routes.ts";
import { installationToken } from "./github-auth.ts";
import { gitRoutes } from "./github-git-routes.ts";
import { pullRoutes } from "./github-pull-routes.ts";
import { appPermissions, integration, isoNow, type Schemas, type Urls } from "./github-shapes.ts";
import { commit, contentFile, diffEntry, pullRequest, type SeedFile, type SeedPull } from "./github-shapes-pulls.ts";
import { writeRoutes } from "./github-writes.ts";

/** Everything the fake GitHub knows; tests read it to assert what the product wrote. */
export interface RepoState {
  repo: Schemas["repository"];
  installationId: number;
  /** `created`: opened through `POST /pulls` (kept in step with its branches), not seeded. */
  pulls: Map<number, { seed: SeedPull; id: number; created?: boolean }>;
  /** ref -> path -> text */
  files: Map<string, Map<string, string>>;
  /** "base...head" -> change */
  comparisons: Map<string, { files: SeedFile[]; commits: string[] }>;
  /** Commits, trees, blobs and branch refs (what setBranch seeds and the git data API writes). */
  git: GitStore;
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
  nextId(): number;
}

export type RouteAuth = "app" | "installation";
export interface HandlerInput {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  raw: string;
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

const fakeSha = (seed: string) => createHash("sha1").update(seed).digest("hex");

function readRoutes(s: GitHubState): RouteDef[] {
  const files = (repo: RepoState, headSha: string, seeds: SeedFile[]) => seeds.map((f) => diffEntry(s.urls, repo.repo.full_name, headSha, f));
  const pull = (input: HandlerInput) => repoOf(s, input.params).pulls.get(Number(input.params.pull_number));
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
    ["GET /repos/{owner}/{repo}/pulls/{pull_number}", "installation", (input) => {
      const found = pull(input);
      if (!found) return notFound();
      const repo = repoOf(s, input.params);
      const change = repo.comparisons.get(`${found.seed.base.sha}...${found.seed.head.sha}`);
      const author = found.seed.author === s.bot.login ? s.bot : { ...s.bot, login: found.seed.author ?? "octocat", type: "User" };
      const body = pullRequest(s.urls, repo.repo, found.seed, { id: found.id, author, files: files(repo, found.seed.head.sha, found.seed.files ?? []), commits: change?.commits.length ?? 1 });
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
      const change = head === undefined ? undefined : repo.comparisons.get(`${base}...${head}`);
      if (!change) return notFound();
      const author = { ...s.bot, login: "octocat", type: "User" };
      let parent = base;
      const commits = change.commits.map((message, i) => {
        const sha = i === change.commits.length - 1 && /^[0-9a-f]{40}$/.test(head) ? head : fakeSha(`${head}:${i}`);
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
      const baseCommit = commit(s.urls, repo.repo.full_name, base, "Base", undefined, author);
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
  const defs = [...readRoutes(s), ...writeRoutes(s), ...gitRoutes(s), ...pullRoutes(s), ...archiveRoutes(s)].map(([route, auth, handler]) => {
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
