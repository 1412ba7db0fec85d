import { GitStore } from "./git-store.ts";
import { rateHeaders, rateLimited, writeRefusal } from "./github-answers.ts";
import { CODELOAD_ROUTE, codeload } from "./github-archive-routes.ts";
import { authorize, generateAppKeys } from "./github-auth.ts";
import { oauthState, oauthWeb, oauthWebRoute, privateUser } from "./github-oauth.ts";
import { type GitHubState, routeTable } from "./github-routes.ts";
import { GitHubSeeds } from "./github-seed.ts";
import { installation, repository, type Schemas, type Urls, user } from "./github-shapes.ts";
import { jsonResponse, type RecordedRequest, recordRequest, Script, type ScriptedResponse, scriptedResponse, sleep } from "./http.ts";

export type { OpenPullOptions } from "./github-pull-routes.ts";
export type { SeedFiles } from "./github-seed.ts";
export type { SeedFile, SeedPull } from "./github-shapes-pulls.ts";

export interface FakeGitHubOptions {
  /** `/api/v3` makes it look like GitHub Enterprise Server; default: github.com style (no prefix). */
  pathPrefix?: string;
  appId?: number;
  appSlug?: string;
  /** Lifetime of minted installation tokens (GitHub: one hour). */
  tokenLifetimeMs?: number;
  /** The App's registered OAuth callback URLs (GitHub redirects elsewhere with `redirect_uri_mismatch`); default: any. */
  callbackUrls?: string[];
}

const DOCS = "https://docs.github.com/rest";

/**
 * A local GitHub REST API for tests: the routes the product calls, GitHub's JSON shapes (typed from
 * @octokit/openapi-types), App JWT and installation-token checks, pagination with Link headers, every request
 * recorded, and failures (errors, rate limits, delays) injected per route on demand.
 */
export class FakeGitHub extends GitHubSeeds {
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
    super();
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
      oauth: oauthState(this.appId, options.callbackUrls),
      nextId: () => this.id(),
    };
    this.#routes = routeTable(this.state);
  }

  static start(options: FakeGitHubOptions = {}): FakeGitHub {
    return new FakeGitHub(options);
  }

  /** The environment that points Critique at this fake as its GitHub App; `oauth` adds its OAuth client (Sign in with GitHub). */
  env(extra: { webhookSecret?: string; oauth?: boolean } = {}): Record<string, string> {
    return {
      ...(extra.oauth ? { CRITIQUE_GITHUB_CLIENT_ID: this.clientId, CRITIQUE_GITHUB_CLIENT_SECRET: this.clientSecret } : {}),
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

  /** The App's OAuth client id (the one `GET /app` shows) and client secret. */
  get clientId(): string {
    return this.state.oauth.clientId;
  }

  get clientSecret(): string {
    return this.state.oauth.clientSecret;
  }

  /**
   * Stands in for the person at GitHub's authorize page from now on: `GET /login/oauth/authorize` sends the browser
   * straight back to `redirect_uri` with a one-time code for this login (the user is created on first use); `null`:
   * they press Cancel (`error=access_denied`). Returns the user as `GET /user` shows it.
   */
  authorizeAs(login: string | null): Schemas["private-user"] | undefined {
    this.state.oauth.browser = login;
    if (login === null) return undefined;
    const users = this.state.oauth.users;
    if (!users.has(login.toLowerCase())) users.set(login.toLowerCase(), privateUser(this.state.urls, login, this.id()));
    return users.get(login.toLowerCase());
  }

  /** User tokens the OAuth flow handed out so far, with their login. */
  get userTokens(): { token: string; login: string }[] {
    return [...this.state.oauth.userTokens].map(([token, t]) => ({ token, login: t.login }));
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
    this.state.repos.set(fullName.toLowerCase(), {
      repo,
      installationId: options.installationId,
      pulls: new Map(),
      files: new Map(),
      comparisons: new Map(),
      git: new GitStore(),
      protectedBranches: new Set(),
      writesDenied: false,
    });
    return repo;
  }

  /**
   * The App uninstalled from the repository's account and installed again (a new installation id): the repository,
   * its pulls and history stay, and only the new installation's tokens reach it from now on, as on GitHub.
   */
  moveRepo(fullName: string, installationId: number) {
    const entry = this.state.repos.get(fullName.toLowerCase());
    if (!entry) throw new Error(`no repository ${fullName}`);
    if (!this.state.installations.has(installationId)) this.addInstallation(installationId, fullName.split("/")[0]);
    this.state.installations.delete(entry.installationId);
    entry.installationId = installationId;
  }

  /** The next requests to `route` (`"POST /repos/{owner}/{repo}/check-runs"`, or `"*"`) get these answers. */
  fail(route: string, ...responses: ScriptedResponse[]) {
    this.script.add(route, ...responses);
  }

  /** GitHub's real rate-limit answers: primary (remaining 0 + reset time) or secondary (retry-after + message). */
  rateLimit(route: string, options: { kind: "primary" | "secondary"; status?: 403 | 429; waitS?: number; times?: number }) {
    this.fail(route, rateLimited(options, [...this.state.installations.keys()][0] ?? 0));
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

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.startsWith(`${this.#prefix}/`) ? url.pathname.slice(this.#prefix.length) : undefined;
    const recorded = await recordRequest(request, `${path ?? url.pathname}${url.search}`);
    this.requests.push(recorded);
    // codeload lives outside the API prefix, as codeload.github.com does, and the OAuth web flow on the web base.
    const isCodeload = url.pathname.startsWith("/_codeload/");
    const web = oauthWebRoute(request.method, url.pathname);
    const matched = path === undefined || isCodeload || web ? undefined : this.#routes.match(request.method, path);
    recorded.route = isCodeload ? CODELOAD_ROUTE : (web ?? matched?.route);
    const scripted = this.script.take(...(recorded.route ? [recorded.route] : []), "*");
    if (scripted?.delayMs) await sleep(scripted.delayMs);
    if (scripted?.status) return scriptedResponse({ ...scripted, status: scripted.status });
    if (isCodeload) return codeload(this.state, request.method, url);
    if (web) return oauthWeb(this.state, web, url, recorded);
    if (!matched) return jsonResponse(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
    const denied = authorize(this.state, { id: this.appId, publicKey: this.publicKey }, request.headers.get("authorization"), matched.auth, matched.params);
    if (denied) return denied;
    const input = { params: matched.params, query: url.searchParams, body: recorded.body, raw: recorded.rawBody, headers: recorded.headers, pageUrl: `${this.apiUrl}${path}` };
    const answer = writeRefusal(this.state, matched.route, matched.params) ?? (await matched.handler(input));
    const headers = { ...rateHeaders(this.requests.length), ...answer.headers };
    // A redirect (the tarball's 302) has an empty body, as GitHub's does.
    if (answer.status >= 300 && answer.status < 400) return new Response(null, { status: answer.status, headers });
    return jsonResponse(answer.status, answer.body, headers);
  }
}
