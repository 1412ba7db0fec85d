/** Pieces the fakes share: request recording and scripted (injected) answers. */

export interface RecordedRequest {
  method: string;
  /** Path and query as received (after any `/api/v3` prefix on the GitHub fake). */
  path: string;
  /** The matched route, e.g. `GET /repos/{owner}/{repo}/pulls/{pull_number}`; undefined when none matched. */
  route?: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  rawBody: string;
  /** The body parsed as JSON when it is JSON, else undefined. */
  body: unknown;
  at: number;
}

export async function recordRequest(request: Request, path: string): Promise<RecordedRequest> {
  const rawBody = await request.text();
  let body: unknown;
  try {
    body = rawBody ? JSON.parse(rawBody) : undefined;
  } catch {
    body = undefined;
  }
  return { method: request.method, path, headers: Object.fromEntries(request.headers), rawBody, body, at: Date.now() };
}

/** One scripted answer: a status with headers and body, and/or a delay before answering (or before the real answer). */
export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Wait this long first. With no `status`, the normal answer follows the delay. */
  delayMs?: number;
  /** How many requests get this answer (default 1). */
  times?: number;
}

/** Per-key queues of scripted answers, consumed in order. */
export class Script {
  readonly #queues = new Map<string, ScriptedResponse[]>();

  add(key: string, ...responses: ScriptedResponse[]) {
    const queue = this.#queues.get(key) ?? [];
    for (const r of responses) for (let i = 0; i < (r.times ?? 1); i++) queue.push(r);
    this.#queues.set(key, queue);
  }

  /** The next scripted answer for the first key that has one. */
  take(...keys: string[]): ScriptedResponse | undefined {
    for (const key of keys) {
      const queue = this.#queues.get(key);
      if (queue?.length) return queue.shift();
    }
    return undefined;
  }

  clear() {
    this.#queues.clear();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  if (status === 204 || status === 304) return new Response(null, { status, headers });
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", ...headers } });
}

/** A scripted answer as a Response (JSON for objects, text for strings). */
export function scriptedResponse(script: ScriptedResponse & { status: number }): Response {
  if (typeof script.body === "string") return new Response(script.body, { status: script.status, headers: script.headers });
  return jsonResponse(script.status, script.body ?? {}, script.headers);
}

/** Polls until `check` returns a truthy value or the deadline passes (tests wait with deadlines, not sleeps). */
export async function waitFor<T>(check: () => T | Promise<T>, { timeoutMs = 10_000, intervalMs = 20, what = "condition" } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
