import { oneLine } from "./gate-output.ts";
import { parseDuration } from "../duration.ts";

/**
 * The HTTP side of `critique gate`: a plain-`fetch` client of a remote Critique server. It never opens a
 * database or reads server configuration: the key comes from CRITIQUE_API_KEY, the server from --server.
 */

/** Any reason the gate cannot give a verdict: exit 2 with this one-line message. */
export class GateError extends Error {
  override name = "GateError";
}

/** Statuses worth retrying while polling: the server or a proxy in front of it is briefly unwell. */
const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);

const HINTS: Record<number, string> = {
  401: "check CRITIQUE_API_KEY: the key is missing, invalid, revoked or expired",
  403: "the key needs the read:reviews and write:reviews scopes",
  404: "check --repository, and that the key's user was granted the repository's installation",
  402: "the user's credits do not cover a review",
};

/** `--wait`: `30s`, `15m`, `2h` … (seconds here; the rest as `critique keys create --expires-in`). */
export function parseWait(text: string): number | undefined {
  const seconds = /^(\d+)\s*s$/.exec(text.trim());
  if (seconds) return Number(seconds[1]) > 0 ? Number(seconds[1]) * 1000 : undefined;
  return parseDuration(text);
}

export function formatWait(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

export class HttpFailure extends GateError {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
  get transient(): boolean {
    return this.status === undefined || TRANSIENT.has(this.status);
  }
}

export interface ClientOptions {
  server: string;
  key: string;
  /** Absolute time after which no request is started and running ones are aborted. */
  deadline?: number;
}

export class GateClient {
  readonly server: string;
  constructor(private readonly options: ClientOptions) {
    this.server = options.server;
  }

  /** JSON of a 2xx answer; anything else throws an HttpFailure naming the request, the status and the reason. */
  async json<T>(method: "GET" | "POST", path: string, body?: unknown, options: { deadline?: number } = {}): Promise<T> {
    const response = await this.request(method, path, body, options.deadline ?? this.options.deadline);
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const reason = typeof (parsed as { error?: unknown })?.error === "string" ? (parsed as { error: string }).error : text ? oneLine(text, 200) : response.statusText;
      const hint = HINTS[response.status];
      throw new HttpFailure(`${method} ${path.split("?")[0]} answered ${response.status}${reason ? `: ${oneLine(reason, 300)}` : ""}${hint ? ` (${hint})` : ""}`, response.status);
    }
    if (parsed === undefined) throw new HttpFailure(`${method} ${path.split("?")[0]} answered ${response.status} without a JSON body: is ${this.server} a Critique server?`, response.status);
    return parsed as T;
  }

  async request(method: "GET" | "POST", path: string, body: unknown, deadline: number | undefined): Promise<Response> {
    const left = deadline === undefined ? 30_000 : Math.min(30_000, deadline - Date.now());
    if (left <= 0) throw new TimedOut();
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.key}`, accept: "application/json, application/sarif+json", "user-agent": "critique-gate" };
    if (body !== undefined) headers["content-type"] = "application/json";
    try {
      return await fetch(`${this.server}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(left), redirect: "error" });
    } catch (error) {
      const e = error as { name?: string; code?: string; message?: string };
      if (e?.name === "TimeoutError" || e?.name === "AbortError") {
        if (deadline !== undefined && Date.now() >= deadline - 50) throw new TimedOut();
        throw new HttpFailure(`cannot reach ${this.server}: ${method} ${path.split("?")[0]} got no answer within ${Math.round(left / 1000)} s`, undefined);
      }
      const detail = e?.message ?? String(error);
      throw new HttpFailure(`cannot reach ${this.server}: ${oneLine(e?.code && !detail.includes(e.code) ? `${e.code}: ${detail}` : detail, 200)}`, undefined);
    }
  }
}

/** The --wait deadline passed; the caller words the message with the run's last status. */
export class TimedOut extends GateError {
  constructor() {
    super("timed out");
  }
}

/** `--server`: an http(s) base URL without a trailing slash. */
export function normalizeServer(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GateError(`--server: expected a URL like https://critique.example.com, got "${text}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new GateError(`--server: expected an http:// or https:// URL, got "${text}"`);
  if (url.search || url.hash) throw new GateError(`--server: expected the server's base URL without a query or fragment, got "${text}"`);
  return url.toString().replace(/\/+$/, "");
}
