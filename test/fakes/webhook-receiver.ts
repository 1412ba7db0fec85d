import { type RecordedRequest, recordRequest, Script, type ScriptedResponse, scriptedResponse, sleep, waitFor } from "./http.ts";

/**
 * Receives outbound webhook deliveries for tests: records each one (method, path, headers, exact raw body) and
 * answers 200 unless answers were scripted (`fail twice then 200`, 410, 429 with Retry-After, slow answers).
 */
export class WebhookReceiver {
  readonly deliveries: RecordedRequest[] = [];
  readonly url: string;
  readonly #script = new Script();
  readonly #server: ReturnType<typeof Bun.serve>;

  private constructor() {
    this.#server = Bun.serve({ port: 0, hostname: "127.0.0.1", idleTimeout: 120, fetch: (request) => this.#handle(request) });
    this.url = `http://127.0.0.1:${this.#server.port}`;
  }

  static start(): WebhookReceiver {
    return new WebhookReceiver();
  }

  /** A URL on this receiver (the path is recorded, and answers can be scripted per path). */
  endpoint(path = "/hooks/critique"): string {
    return `${this.url}${path}`;
  }

  /**
   * Script the next answers, in order; `path` limits them to one endpoint. Examples:
   * `respond({ status: 500, times: 2 })`, `respond({ status: 410 })`,
   * `respond({ status: 429, headers: { "retry-after": "1" } })`, `respond({ delayMs: 5_000 })`.
   */
  respond(...responses: (ScriptedResponse & { path?: string })[]) {
    for (const { path, ...response } of responses) this.#script.add(path ?? "*", response);
  }

  /** Waits (with a deadline) until at least `count` deliveries arrived; returns them. */
  async waitForDeliveries(count: number, timeoutMs = 15_000): Promise<RecordedRequest[]> {
    await waitFor(() => this.deliveries.length >= count, { timeoutMs, what: `${count} webhook deliveries (got ${this.deliveries.length})` });
    return this.deliveries;
  }

  stop() {
    this.#server.stop(true);
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    this.deliveries.push(await recordRequest(request, `${url.pathname}${url.search}`));
    const scripted = this.#script.take(url.pathname, "*");
    if (scripted?.delayMs) await sleep(scripted.delayMs);
    if (scripted?.status) return scriptedResponse({ ...scripted, status: scripted.status });
    return new Response("ok", { status: 200, headers: { "content-type": "text/plain" } });
  }
}
