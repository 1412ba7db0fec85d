import { GitStore, type Person } from "./git-store.ts";
import { CODELOAD_ROUTE, codeload } from "./github-archive-routes.ts";
import { credentialOf, generateAppKeys, jwtProblem } from "./github-auth.ts";
import { type GitHubState, type RouteAuth, routeTable } from "./github-routes.ts";
import { commitBranch, type SeedFiles, textFiles } from "./github-seed.ts";
import { installation, repository, type Schemas, type Urls, user } from "./github-shapes.ts";
import type { SeedFile, SeedPull } from "./github-shapes-pulls.ts";
import { jsonResponse, type RecordedRequest, recordRequest, Script, type ScriptedResponse, scriptedResponse, sleep } from "./http.ts";

export type { SeedFiles } from "./github-seed.ts";
export type { SeedFile, SeedPull } from "./github-shapes-pulls.ts";

export interface FakeGitHubOptions {
  /** `/api/v3` makes it look like GitHub Enterprise Server; default: github.com style (no prefix). */
  pathPrefix?: string;
  appId?: number;
  appSlug?: string;
  /** Lifetime of minted installation tokens (GitHub: one hour). */
  tokenLifetimeMs?: number;
}

const DOCS = "https://docs.github.com/rest";

/**
 * A local GitHub REST API for tests: the routes the product calls, GitHub's JSON shapes (typed from
 * @octokit/openapi-types), App JWT and installation-token checks, pagination with Link headers, every request
 * recorded, and failures (errors, rate limits, delays) injected per route on demand.
 */
export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  readonly state: GitHubState;
  readonly script = new Script();
  readonly appId: number;
  readonly appSlug: string;
  readonly privateKey: string;
  readonly publicKey: string;
  readonly url: string;
  readonly apiUrl: string;
  readonly #server: ReturnType<typeof Bun.serve>;
  readonly #prefix: string;
  readonly #routes: ReturnType<typeof routeTable>;
  #nextId = 1000;

  private constructor(options: FakeGitHubOptions) {
    const keys = generateAppKeys();
    this.privateKey = keys.privateKey;
    this.publicKey = keys.publicKey;
    this.appId = options.appId ?? 424242;
    this.appSlug = options.appSlug ?? "critique-test";
    this.#prefix = (options.pathPrefix ?? "").replace(/\/+$/, "");
    this.#server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (request) => this.#handle(request) });
    this.url = `http://127.0.0.1:${this.#server.port}`;
    this.apiUrl = `${this.url}${this.#prefix}`;
    const urls: Urls = { api: this.apiUrl, web: this.url };
    const owner = user(urls, "critique-org", this.id(), "Organization");
    this.state = {
      urls,
      app: { id: this.appId, slug: this.appSlug, owner },
      bot: user(urls, `${this.appSlug}[bot]`, this.id(), "Bot"),
      installations: new Map(),
      repos: new Map(),
      tokens: new Map(),
      minted: [],
      tokenLifetimeMs: options.tokenLifetimeMs ?? 60 * 60_000,
      checkRuns: new Map(),
      comments: new Map(),
      reviews: [],
      statuses: [],
      codeload: new Map(),
      nextId: () => this.id(),
    };
    this.#routes = routeTable(this.state);
  }

  static start(options: FakeGitHubOptions = {}): FakeGitHub {
    return new FakeGitHub(options);
  }

  /** The environment that points Critique at this fake as its GitHub App. */
  env(extra: { webhookSecret?: string } = {}): Record<string, string> {
    return {
      CRITIQUE_GITHUB_APP_ID: String(this.appId),
      CRITIQUE_GITHUB_PRIVATE_KEY: this.privateKey,
      CRITIQUE_GITHUB_API_URL: this.apiUrl,
      CRITIQUE_GITHUB_URL: this.url,
      CRITIQUE_GITHUB_WRITE_INTERVAL_MS: "0",
      ...(extra.webhookSecret ? { CRITIQUE_GITHUB_WEBHOOK_SECRET: extra.webhookSecret } : {}),
    };
  }

  id(): number {
    return this.#nextId++;
  }

  addInstallation(id: number, accountLogin: string, options: { suspended?: boolean } = {}): Schemas["installation"] {
    const account = user(this.state.urls, accountLogin, this.id(), "Organization");
    const created = installation(this.state.urls, { id, appId: this.appId, appSlug: this.appSlug, account, suspended: options.suspended ?? false });
    this.state.installations.set(id, created);
    return created;
  }

  /** A repository `owner/name` on an installation (created with the owner's login when it does not exist). */
  addRepo(fullName: string, options: { installationId: number; defaultBranch?: string }): Schemas["repository"] {
    const [login, name] = fullName.split("/");
    if (!this.state.installations.has(options.installationId)) this.addInstallation(options.installationId, login);
    const owner = user(this.state.urls, login, this.id(), "Organization");
    const repo = repository(this.state.urls, owner, name, this.id(), options.defaultBranch ?? "main");
    this.state.repos.set(fullName.toLowerCase(), { repo, installationId: options.installationId, pulls: new Map(), files: new Map(), comparisons: new Map(), git: new GitStore() });
    return repo;
  }

  addPull(fullName: string, seed: SeedPull) {
    const repo = this.#repo(fullName);
    repo.pulls.set(seed.number, { seed, id: this.id() });
    this.addComparison(fullName, seed.base.sha, seed.head.sha, { files: seed.files ?? [], commits: seed.commits ?? [`Change for #${seed.number}`] });
  }

  /** What `GET /compare/{base}...{head}` answers for these two commits or refs. */
  addComparison(fullName: string, base: string, head: string, change: { files: SeedFile[]; commits?: string[] }) {
    this.#repo(fullName).comparisons.set(`${base}...${head}`, { files: change.files, commits: change.commits ?? ["Change"] });
  }

  setFile(fullName: string, ref: string, path: string, content: string) {
    const files = this.#repo(fullName).files;
    if (!files.has(ref)) files.set(ref, new Map());
    files.get(ref)!.set(path, content);
  }

  /**
   * Commits exactly these files (parent: the branch's head, if any) and points `refs/heads/<branch>` at the commit;
   * pulls opened through the API from or into the branch follow it. Returns the commit sha.
   */
  setBranch(fullName: string, branch: string, files: SeedFiles, message = `Update ${branch}`): string {
    return commitBranch(this.#repo(fullName), branch, files, message);
  }

  branchSha(fullName: string, branch: string): string | undefined {
    return this.#repo(fullName).git.refs.get(`refs/heads/${branch}`);
  }

  /** The text of every file in the commit a sha (full or abbreviated) or branch names. */
  filesAt(fullName: string, shaOrBranch: string): Record<string, string> {
    return textFiles(this.#repo(fullName), shaOrBranch);
  }

  commitInfo(fullName: string, sha: string): { message: string; parents: string[]; tree: string; author: Person } {
    const found = this.#repo(fullName).git.commits.get(sha);
    if (!found) throw new Error(`fake GitHub: no commit ${sha} in ${fullName}`);
    return { message: found.message, parents: [...found.parents], tree: found.tree, author: { ...found.author } };
  }

  /** Pulls opened through `POST /repos/{owner}/{repo}/pulls`, oldest first. */
  createdPulls(fullName: string): SeedPull[] {
    return [...this.#repo(fullName).pulls.values()].filter((p) => p.created).map((p) => p.seed);
  }

  /** The next requests to `route` (`"POST /repos/{owner}/{repo}/check-runs"`, or `"*"`) get these answers. */
  fail(route: string, ...responses: ScriptedResponse[]) {
    this.script.add(route, ...responses);
  }

  /** GitHub's real rate-limit answers: primary (remaining 0 + reset time) or secondary (retry-after + message). */
  rateLimit(route: string, options: { kind: "primary" | "secondary"; status?: 403 | 429; waitS?: number; times?: number }) {
    const waitS = options.waitS ?? 1;
    const status = options.status ?? 403;
    if (options.kind === "primary") {
      const reset = Math.ceil(Date.now() / 1000) + waitS;
      const headers = { "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-used": "5000", "x-ratelimit-reset": String(reset), "x-ratelimit-resource": "core" };
      this.fail(route, { status, headers, times: options.times, body: { message: `API rate limit exceeded for installation ID ${[...this.state.installations.keys()][0] ?? 0}.`, documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`, status: String(status) } });
    } else {
      const message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID FAKE:0000.";
      this.fail(route, { status, headers: { "retry-after": String(waitS) }, times: options.times, body: { message, documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`, status: String(status) } });
    }
  }

  /** Recorded requests that matched this route. */
  requestsTo(route: string): RecordedRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  /** Lifetime of installation tokens minted from now on (GitHub: one hour). */
  get tokenLifetimeMs() {
    return this.state.tokenLifetimeMs;
  }

  set tokenLifetimeMs(ms: number) {
    this.state.tokenLifetimeMs = ms;
  }

  /** Installation tokens handed out so far (oldest first). */
  get minted() {
    return this.state.minted;
  }

  stop() {
    this.#server.stop(true);
  }

  #repo(fullName: string) {
    const repo = this.state.repos.get(fullName.toLowerCase());
    if (!repo) throw new Error(`fake GitHub: no repository ${fullName}; call addRepo first`);
    return repo;
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.startsWith(`${this.#prefix}/`) ? url.pathname.slice(this.#prefix.length) : undefined;
    const recorded = await recordRequest(request, `${path ?? url.pathname}${url.search}`);
    this.requests.push(recorded);
    // codeload lives outside the API prefix, as codeload.github.com does.
    const isCodeload = url.pathname.startsWith("/_codeload/");
    const matched = path === undefined || isCodeload ? undefined : this.#routes.match(request.method, path);
    recorded.route = isCodeload ? CODELOAD_ROUTE : matched?.route;
    const scripted = this.script.take(...(recorded.route ? [recorded.route] : []), "*");
    if (scripted?.delayMs) await sleep(scripted.delayMs);
    if (scripted?.status) return scriptedResponse({ ...scripted, status: scripted.status });
    if (isCodeload) return codeload(this.state, request.method, url);
    if (!matched) return jsonResponse(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
    const denied = this.#authorize(request, matched.auth, matched.params);
    if (denied) return denied;
    const answer = await matched.handler({ params: matched.params, query: url.searchParams, body: recorded.body, raw: recorded.rawBody, pageUrl: `${this.apiUrl}${path}` });
    const headers = { ...this.#rateHeaders(), ...answer.headers };
    // A redirect (the tarball's 302) has an empty body, as GitHub's does.
    if (answer.status >= 300 && answer.status < 400) return new Response(null, { status: answer.status, headers });
    return jsonResponse(answer.status, answer.body, headers);
  }

  #authorize(request: Request, auth: RouteAuth, params: Record<string, string>): Response | undefined {
    const unauthorized = (message: string) => jsonResponse(401, { message, documentation_url: DOCS, status: "401" });
    const credential = credentialOf(request.headers.get("authorization"));
    if (!credential) return unauthorized("Requires authentication");
    if (auth === "app") {
      if (credential.scheme !== "bearer" || credential.value.startsWith("ghs_")) return unauthorized("A JSON web token could not be decoded");
      const problem = jwtProblem(credential.value, this.appId, this.publicKey);
      return problem ? unauthorized(problem) : undefined;
    }
    const token = this.state.tokens.get(credential.value);
    if (!token || token.expiresAt <= Date.now()) return unauthorized("Bad credentials");
    const repo = this.state.repos.get(`${params.owner}/${params.repo}`.toLowerCase());
    if (!repo || repo.installationId !== token.installationId) return jsonResponse(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
    return undefined;
  }

  #rateHeaders(): Record<string, string> {
    return {
      "x-github-request-id": `FAKE:${this.requests.length}`,
      "x-github-api-version-selected": "2022-11-28",
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": String(Math.max(0, 5000 - this.requests.length)),
      "x-ratelimit-used": String(this.requests.length),
      "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + 3600),
      "x-ratelimit-resource": "core",
    };
  }
}
