import { randomBytes } from "node:crypto";
import { jsonResponse, type RecordedRequest, recordRequest, Script, type ScriptedResponse, scriptedResponse, sleep } from "./http.ts";

/**
 * A local fake of E2B's control-plane REST API (the part the `e2b` JS SDK 2.x calls), in E2B's wire shapes
 * (`spec/openapi.yml` of e2b-dev/infra, as generated into the SDK's `paths` types):
 *
 *   POST   /v2/sandboxes                    NewSandboxV2 → 201 Sandbox          (SDK `Sandbox.create`)
 *   POST   /sandboxes                       NewSandbox   → 201 Sandbox          (deprecated v1 create)
 *   POST   /v2/sandboxes/{id}/connect       {timeout?, memory?} → 200 (was running) / 201 (resumed) Sandbox (SDK `connect`)
 *   POST   /sandboxes/{id}/connect          {timeout}    → same                  (deprecated v1 connect)
 *   POST   /sandboxes/{id}/resume           {timeout?, autoPause?} → 201 Sandbox, 409 when not paused (deprecated)
 *   POST   /sandboxes/{id}/pause            {memory?}    → 204, 409 when already paused (SDK `pause` / `betaPause`)
 *   POST   /sandboxes/{id}/timeout          {timeout}    → 204                   (SDK `setTimeout`)
 *   POST   /sandboxes/{id}/refreshes        {duration?}  → 204
 *   DELETE /sandboxes/{id}                               → 204                   (SDK `kill`)
 *   GET    /sandboxes/{id}                               → 200 SandboxDetail     (SDK `getInfo`)
 *   GET    /v2/sandboxes?state=&metadata=                → 200 ListedSandbox[]   (SDK `Sandbox.list`)
 *   GET    /sandboxes                                    → 200 ListedSandbox[] (running only, deprecated)
 *
 * Every route needs `X-API-KEY: <apiKey>` (else 401). Errors are E2B's `{code, message}` body with the same code
 * as the HTTP status: the SDK reads `error.code === 404` (not the status) to turn a kill of an unknown sandbox into
 * `false`, and `409` on pause into `false`. Unknown and killed sandboxes are 404 everywhere. A running sandbox whose
 * `endAt` passed is killed (or paused, with `autoPause`) on the next request, as E2B does on its own.
 *
 * Only the control plane is faked: the sandboxes' envd (`https://49983-<id>.<domain>`, commands and files) is not.
 * `Sandbox.create` and `Sandbox.connect` do not contact envd (only `mcp` sandboxes run a command on create).
 */

export type FakeE2BState = "running" | "paused" | "killed";

export interface FakeE2BSandbox {
  sandboxID: string;
  templateID: string;
  /** The template alias when created by alias (the fake treats every template name as an alias). */
  alias?: string;
  state: FakeE2BState;
  metadata: Record<string, string>;
  envVars: Record<string, string>;
  /** Seconds, as last set by create / connect / resume / setTimeout. */
  timeout: number;
  autoPause: boolean;
  startedAt: Date;
  endAt: Date;
  envdVersion: string;
  envdAccessToken: string;
  /** The `domain` field the API answers with (null: the SDK falls back to its own domain, E2B_DOMAIN). */
  domain: string | null;
  /** Every body field of the create request, as received. */
  createBody: Record<string, unknown>;
  pauses: number;
  resumes: number;
  /** Why it is killed: a DELETE, or its timeout running out. */
  killedBy?: "api" | "timeout";
}

export interface FakeE2BOptions {
  /** The key `X-API-KEY` must carry (default `e2b_test_key`). */
  apiKey?: string;
  /** The domain `env()` hands out as E2B_DOMAIN (default `e2b.test`): where sandbox hosts are `<port>-<id>.<domain>`. */
  domain?: string;
  /** What the API puts in the sandbox objects' `domain` (default null, as E2B does when it is the client's domain). */
  sandboxDomain?: string | null;
  /** When set, only these templates exist; others get E2B's 404 `template '<name>' not found`. */
  templates?: string[];
  /** Upper bound for `timeout` (default 86 400 s, E2B Pro's 24 h); above it is a 400. */
  maxTimeoutSeconds?: number;
  /** envdVersion of new sandboxes (default 0.5.4; the SDK refuses below 0.1.0 and then kills the sandbox). */
  envdVersion?: string;
  /** The fake's clock (default Date.now): move it to make timeouts run out. */
  now?: () => number;
}

const CLIENT_ID = "6532622b";
const DEFAULT_TIMEOUT_SECONDS = 300;

/** A route pattern: method, path with `{sandboxID}`, and the handler. */
interface Route {
  name: string;
  method: string;
  pattern: RegExp;
  handle: (request: RecordedRequest, id: string, query: URLSearchParams) => Response;
}

export class FakeE2B {
  readonly requests: RecordedRequest[] = [];
  /** Every sandbox ever created or seeded, killed ones included, by id. */
  readonly sandboxes = new Map<string, FakeE2BSandbox>();
  readonly url: string;
  readonly apiKey: string;
  readonly domain: string;
  readonly #options: FakeE2BOptions;
  readonly #script = new Script();
  readonly #routes: Route[];
  readonly #server: ReturnType<typeof Bun.serve>;

  private constructor(options: FakeE2BOptions) {
    this.#options = options;
    this.apiKey = options.apiKey ?? "e2b_test_key";
    this.domain = options.domain ?? "e2b.test";
    this.#routes = this.#makeRoutes();
    this.#server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (request) => this.#handle(request) });
    this.url = `http://127.0.0.1:${this.#server.port}`;
  }

  static start(options: FakeE2BOptions = {}): FakeE2B {
    return new FakeE2B(options);
  }

  stop() {
    this.#server.stop(true);
  }

  /**
   * What the SDK needs: the key and the API URL. E2B_DOMAIN too, because the SDK builds sandbox hosts
   * (`getHost(port)`, envd) from the API's `domain` field, else from its own domain, which without E2B_DOMAIN is
   * `e2b.app` (the API URL alone does not set it).
   */
  env(): { E2B_API_KEY: string; E2B_API_URL: string; E2B_DOMAIN: string } {
    return { E2B_API_KEY: this.apiKey, E2B_API_URL: this.url, E2B_DOMAIN: this.domain };
  }

  /** The recorded requests of one route, e.g. `POST /v2/sandboxes` or `DELETE /sandboxes/{sandboxID}`. */
  requestsTo(route: string): RecordedRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  /** A sandbox by id (throws when the fake never had it). */
  sandbox(id: string): FakeE2BSandbox {
    const sandbox = this.sandboxes.get(id);
    if (!sandbox) throw new Error(`the fake E2B has no sandbox ${id}`);
    return sandbox;
  }

  /** Sandboxes in a state (default running). */
  inState(state: FakeE2BState = "running"): FakeE2BSandbox[] {
    this.#expire();
    return [...this.sandboxes.values()].filter((s) => s.state === state);
  }

  /** Adds a sandbox as if another process had created it (e.g. one to reattach to, or one already paused). */
  seed(fields: Partial<FakeE2BSandbox> & { templateID?: string } = {}): FakeE2BSandbox {
    const now = this.#now();
    const timeout = fields.timeout ?? DEFAULT_TIMEOUT_SECONDS;
    const sandbox: FakeE2BSandbox = {
      sandboxID: newSandboxId(),
      templateID: "base",
      state: "running",
      metadata: {},
      envVars: {},
      timeout,
      autoPause: false,
      startedAt: new Date(now),
      endAt: new Date(now + timeout * 1_000),
      envdVersion: this.#options.envdVersion ?? "0.5.4",
      envdAccessToken: randomBytes(16).toString("hex"),
      domain: this.#options.sandboxDomain ?? null,
      createBody: {},
      pauses: 0,
      resumes: 0,
      ...fields,
    };
    this.sandboxes.set(sandbox.sandboxID, sandbox);
    return sandbox;
  }

  /** Runs a sandbox's timeout out now: killed, or paused when it was created with `autoPause`. */
  expire(id: string) {
    this.sandbox(id).endAt = new Date(this.#now() - 1);
    this.#expire();
  }

  /**
   * Scripted answers for the next requests to a route (`POST /v2/sandboxes`, … or `*` for any), consumed in order,
   * before auth and state. An error status without a body gets E2B's `{code, message}`; `Retry-After` on a 429 makes
   * the SDK retry (up to 3 times).
   */
  fail(route: string, ...responses: ScriptedResponse[]) {
    this.#script.add(route, ...responses);
  }

  reset() {
    this.requests.length = 0;
    this.sandboxes.clear();
    this.#script.clear();
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  #expire() {
    const now = this.#now();
    for (const sandbox of this.sandboxes.values()) {
      if (sandbox.state !== "running" || sandbox.endAt.getTime() > now) continue;
      if (sandbox.autoPause) {
        sandbox.state = "paused";
        sandbox.pauses++;
      } else {
        sandbox.state = "killed";
        sandbox.killedBy = "timeout";
      }
    }
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const recorded = await recordRequest(request, url.pathname + url.search);
    this.requests.push(recorded);
    let match: { route: Route; id: string } | undefined;
    for (const route of this.#routes) {
      const found = request.method === route.method ? route.pattern.exec(url.pathname) : null;
      if (found) {
        match = { route, id: decodeURIComponent(found[1] ?? "") };
        break;
      }
    }
    if (match) recorded.route = match.route.name;

    const scripted = this.#script.take(...(match ? [match.route.name] : []), "*");
    if (scripted?.delayMs) await sleep(scripted.delayMs);
    if (scripted?.status) {
      const body = scripted.body ?? (scripted.status >= 400 ? { code: scripted.status, message: `scripted ${scripted.status}` } : undefined);
      return scriptedResponse({ ...scripted, status: scripted.status, body });
    }

    if (recorded.headers["x-api-key"] !== this.apiKey) {
      // E2B answers a missing or unknown key the same way, with a 401 in its error shape.
      return error(401, recorded.headers["x-api-key"] ? "Invalid API key, please visit https://e2b.dev/docs/api-key" : "Missing API key");
    }
    if (!match) return error(404, `no route for ${request.method} ${url.pathname}`);
    this.#expire();
    return match.route.handle(recorded, match.id, url.searchParams);
  }

  #makeRoutes(): Route[] {
    const id = "([^/]+)";
    const route = (method: string, path: string, handle: Route["handle"]): Route => ({
      name: `${method} ${path}`,
      method,
      pattern: new RegExp(`^${path.replace("{sandboxID}", id)}$`),
      handle,
    });
    return [
      route("POST", "/v2/sandboxes", (r) => this.#create(r)),
      route("POST", "/sandboxes", (r) => this.#create(r)),
      route("GET", "/v2/sandboxes", (_r, _id, query) => this.#list(query, false)),
      route("GET", "/sandboxes", (_r, _id, query) => this.#list(query, true)),
      route("POST", "/v2/sandboxes/{sandboxID}/connect", (r, sid) => this.#connect(r, sid, false)),
      route("POST", "/sandboxes/{sandboxID}/connect", (r, sid) => this.#connect(r, sid, true)),
      route("POST", "/sandboxes/{sandboxID}/resume", (r, sid) => this.#resume(r, sid)),
      route("POST", "/sandboxes/{sandboxID}/pause", (_r, sid) => this.#pause(sid)),
      route("POST", "/sandboxes/{sandboxID}/timeout", (r, sid) => this.#setTimeout(r, sid)),
      route("POST", "/sandboxes/{sandboxID}/refreshes", (r, sid) => this.#refresh(r, sid)),
      route("DELETE", "/sandboxes/{sandboxID}", (_r, sid) => this.#kill(sid)),
      route("GET", "/sandboxes/{sandboxID}", (_r, sid) => this.#detail(sid)),
    ];
  }

  /** The timeout field of a body: undefined when absent, else whole non-negative seconds within the maximum. */
  #timeout(body: Record<string, unknown>, field = "timeout"): number | undefined | Response {
    const value = body[field];
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) return error(400, `request body has an error: doesn't match schema: Error at "/${field}": value must be an integer`);
    const max = this.#options.maxTimeoutSeconds ?? 86_400;
    if (value > max) return error(400, `Timeout cannot be greater than ${max / 3_600} hours`);
    return value;
  }

  #create(request: RecordedRequest): Response {
    const body = objectBody(request);
    if (!body) return error(400, "request body has an error: value is required but missing");
    const templateID = body.templateID;
    if (typeof templateID !== "string" || !templateID) return error(400, `request body has an error: doesn't match schema: Error at "/templateID": property "templateID" is missing`);
    for (const field of ["metadata", "envVars"] as const) {
      const value = body[field];
      if (value !== undefined && !isStringRecord(value)) return error(400, `request body has an error: doesn't match schema: Error at "/${field}": value must be an object of strings`);
    }
    const timeout = this.#timeout(body);
    if (timeout instanceof Response) return timeout;
    const templates = this.#options.templates;
    if (templates && !templates.includes(templateID)) return error(404, `template '${templateID}' not found`);
    const seconds = timeout ?? DEFAULT_TIMEOUT_SECONDS;
    const now = this.#now();
    const sandbox = this.seed({
      templateID,
      alias: templateID,
      metadata: (body.metadata as Record<string, string> | undefined) ?? {},
      envVars: (body.envVars as Record<string, string> | undefined) ?? {},
      timeout: seconds,
      autoPause: body.autoPause === true,
      startedAt: new Date(now),
      endAt: new Date(now + seconds * 1_000),
      createBody: body,
    });
    return jsonResponse(201, sandboxObject(sandbox));
  }

  #connect(request: RecordedRequest, id: string, v1: boolean): Response {
    const body = objectBody(request) ?? {};
    const timeout = this.#timeout(body);
    if (timeout instanceof Response) return timeout;
    if (v1 && timeout === undefined) return error(400, `request body has an error: doesn't match schema: Error at "/timeout": property "timeout" is missing`);
    const sandbox = this.#alive(id);
    if (!sandbox) return error(404, `sandbox "${id}" doesn't exist or you don't have access to it`);
    const seconds = timeout ?? DEFAULT_TIMEOUT_SECONDS;
    const until = this.#now() + seconds * 1_000;
    if (sandbox.state === "paused") {
      sandbox.state = "running";
      sandbox.resumes++;
      sandbox.timeout = seconds;
      sandbox.endAt = new Date(until);
      return jsonResponse(201, sandboxObject(sandbox));
    }
    // A running sandbox's TTL is only extended, never shortened.
    if (until > sandbox.endAt.getTime()) {
      sandbox.timeout = seconds;
      sandbox.endAt = new Date(until);
    }
    return jsonResponse(200, sandboxObject(sandbox));
  }

  #resume(request: RecordedRequest, id: string): Response {
    const body = objectBody(request) ?? {};
    const timeout = this.#timeout(body);
    if (timeout instanceof Response) return timeout;
    const sandbox = this.#alive(id);
    if (!sandbox) return error(404, `Sandbox snapshot for "${id}" not found`);
    if (sandbox.state !== "paused") return error(409, `Sandbox ${id} is already running`);
    const seconds = timeout ?? DEFAULT_TIMEOUT_SECONDS;
    sandbox.state = "running";
    sandbox.resumes++;
    sandbox.timeout = seconds;
    sandbox.endAt = new Date(this.#now() + seconds * 1_000);
    if (typeof body.autoPause === "boolean") sandbox.autoPause = body.autoPause;
    return jsonResponse(201, sandboxObject(sandbox));
  }

  #pause(id: string): Response {
    const sandbox = this.#alive(id);
    if (!sandbox) return error(404, `sandbox "${id}" doesn't exist or you don't have access to it`);
    if (sandbox.state === "paused") return error(409, `Error pausing sandbox - sandbox '${id}' is already paused`);
    sandbox.state = "paused";
    sandbox.pauses++;
    return new Response(null, { status: 204 });
  }

  #setTimeout(request: RecordedRequest, id: string): Response {
    const body = objectBody(request) ?? {};
    const timeout = this.#timeout(body);
    if (timeout instanceof Response) return timeout;
    if (timeout === undefined) return error(400, `request body has an error: doesn't match schema: Error at "/timeout": property "timeout" is missing`);
    const sandbox = this.#running(id);
    if (!sandbox) return error(404, `sandbox "${id}" doesn't exist or you don't have access to it`);
    sandbox.timeout = timeout;
    sandbox.endAt = new Date(this.#now() + timeout * 1_000);
    return new Response(null, { status: 204 });
  }

  #refresh(request: RecordedRequest, id: string): Response {
    const body = objectBody(request) ?? {};
    const duration = this.#timeout(body, "duration");
    if (duration instanceof Response) return duration;
    const sandbox = this.#running(id);
    if (!sandbox) return error(404, `sandbox "${id}" doesn't exist or you don't have access to it`);
    const until = this.#now() + (duration ?? DEFAULT_TIMEOUT_SECONDS) * 1_000;
    if (until > sandbox.endAt.getTime()) sandbox.endAt = new Date(until);
    return new Response(null, { status: 204 });
  }

  #kill(id: string): Response {
    const sandbox = this.#alive(id);
    if (!sandbox) return error(404, `sandbox "${id}" doesn't exist or you don't have access to it`);
    sandbox.state = "killed";
    sandbox.killedBy = "api";
    return new Response(null, { status: 204 });
  }

  #detail(id: string): Response {
    const sandbox = this.#alive(id);
    if (!sandbox) return error(404, `sandbox "${id}" doesn't exist or you don't have access to it`);
    return jsonResponse(200, {
      ...sandboxObject(sandbox),
      ...listed(sandbox),
      domain: sandbox.domain,
      envdAccessToken: sandbox.envdAccessToken,
      allowInternetAccess: typeof sandbox.createBody.allow_internet_access === "boolean" ? sandbox.createBody.allow_internet_access : null,
      lifecycle: { onTimeout: sandbox.autoPause ? "pause" : "kill", autoResume: false },
    });
  }

  #list(query: URLSearchParams, runningOnly: boolean): Response {
    const states = runningOnly ? ["running"] : (query.get("state")?.split(",").filter(Boolean) ?? ["running", "paused"]);
    const wanted = [...new URLSearchParams(query.get("metadata") ?? "")].map(([k, v]) => [decodeURIComponent(k), decodeURIComponent(v)] as const);
    const template = query.get("template");
    const found = [...this.sandboxes.values()].filter(
      (s) => states.includes(s.state) && wanted.every(([k, v]) => s.metadata[k] === v) && (!template || s.templateID === template || s.alias === template),
    );
    return jsonResponse(200, found.map(listed));
  }

  #running(id: string): FakeE2BSandbox | undefined {
    const sandbox = this.sandboxes.get(id);
    return sandbox?.state === "running" ? sandbox : undefined;
  }

  /** A sandbox that exists and is not killed. */
  #alive(id: string): FakeE2BSandbox | undefined {
    const sandbox = this.sandboxes.get(id);
    return sandbox && sandbox.state !== "killed" ? sandbox : undefined;
  }
}

/** E2B sandbox ids: 20 lower-case letters and digits. */
function newSandboxId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return [...randomBytes(20)].map((b) => alphabet[b % alphabet.length]).join("");
}

/** The `Sandbox` object of create / connect / resume. */
function sandboxObject(s: FakeE2BSandbox) {
  return {
    ...(s.alias ? { alias: s.alias } : {}),
    clientID: CLIENT_ID,
    domain: s.domain,
    envdAccessToken: s.envdAccessToken,
    envdVersion: s.envdVersion,
    sandboxID: s.sandboxID,
    templateID: s.templateID,
    trafficAccessToken: null,
  };
}

/** The `ListedSandbox` object of the list routes. */
function listed(s: FakeE2BSandbox) {
  return {
    ...(s.alias ? { alias: s.alias } : {}),
    clientID: CLIENT_ID,
    cpuCount: 2,
    diskSizeMB: 10_240,
    endAt: s.endAt.toISOString(),
    envdVersion: s.envdVersion,
    memoryMB: 1_024,
    metadata: s.metadata,
    sandboxID: s.sandboxID,
    startedAt: s.startedAt.toISOString(),
    state: s.state,
    templateID: s.templateID,
    volumeMounts: [],
  };
}

function error(code: number, message: string): Response {
  return jsonResponse(code, { code, message });
}

function objectBody(request: RecordedRequest): Record<string, unknown> | undefined {
  const body = request.body;
  return body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return !!value && typeof value === "object" && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string");
}
