import type { ResolvedTarget } from "../../src/models/index.ts";
import type { Breakers } from "./breaker.ts";
import { UpstreamError, upstreamErrorFrom } from "./errors.ts";

/**
 * Calls a model's upstream targets in order until one answers. A target is left for the next one on a connection
 * error, a timeout, 429 or 5xx (and on 401/403 to the gateway's own key, a configuration problem the next provider
 * may not have), always before the client has received a byte: a non-streamed answer is read whole inside the
 * attempt, a stream is handed over only once its status is 200. Other 4xx are the caller's and are returned as is.
 */
export type UpstreamAnswer =
  | { kind: "json"; target: ResolvedTarget; text: string }
  | { kind: "stream"; target: ResolvedTarget; body: ReadableStream<Uint8Array>; contentType: string; release(): void };

export interface UpstreamCall {
  targets: ResolvedTarget[];
  body: Record<string, unknown>;
  stream: boolean;
  /** The caller's own upstream key (BYOK); targets were already narrowed to providers that accept one. */
  upstreamKey?: string;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** The client left before an upstream answered: nothing to charge; the answer (499) reaches nobody. */
export class ClientGone extends UpstreamError {
  override name = "ClientGone";
  constructor() {
    super(499, { message: "The client closed the request before an upstream answered", type: "api_error", param: null, code: "client_closed_request" });
  }
}

export const targetKey = (target: ResolvedTarget) => `${target.provider.id}/${target.model}`;
const RETRYABLE = (status: number) => status === 429 || status >= 500;

export async function callUpstream(breakers: Breakers, call: UpstreamCall): Promise<UpstreamAnswer> {
  let lastError: UpstreamError | undefined;
  for (const [index, target] of call.targets.entries()) {
    const key = targetKey(target);
    if (!breakers.tryAcquire(key)) continue;
    const isLast = index === call.targets.length - 1;
    const { provider } = target;
    const controller = new AbortController();
    const onClientGone = () => controller.abort();
    call.signal.addEventListener("abort", onClientGone, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, provider.timeoutMs);
    const release = () => {
      clearTimeout(timer);
      call.signal.removeEventListener("abort", onClientGone);
    };
    try {
      const response = await fetch(`${provider.baseUrl.replace(/\/+$/, "")}/chat/completions`, {
        method: "POST",
        headers: upstreamHeaders(call.upstreamKey ?? provider.apiKey, call.stream),
        body: JSON.stringify(upstreamBody(call, target.model)),
        signal: controller.signal,
      });
      const ownKeyRefused = (response.status === 401 || response.status === 403) && call.upstreamKey === undefined;
      if (RETRYABLE(response.status) || ownKeyRefused) {
        const error = await upstreamErrorFrom(response, provider.id);
        release();
        breakers.failure(key);
        lastError = ownKeyRefused ? new UpstreamError(502, { ...error.body, message: `Upstream ${provider.id} refused the gateway's credentials (HTTP ${response.status})`, type: "api_error" }) : error;
        if (isLast) throw lastError;
        continue;
      }
      if (!response.ok) {
        const error = await upstreamErrorFrom(response, provider.id);
        release();
        breakers.success(key);
        throw error;
      }
      if (call.stream && response.body) {
        clearTimeout(timer);
        breakers.success(key);
        return { kind: "stream", target, body: response.body, contentType: response.headers.get("content-type") ?? "text/event-stream", release };
      }
      const text = await response.text();
      release();
      breakers.success(key);
      return { kind: "json", target, text };
    } catch (error) {
      release();
      if (error instanceof UpstreamError && !call.signal.aborted) throw error;
      if (call.signal.aborted) {
        breakers.abandon(key);
        throw new ClientGone();
      }
      breakers.failure(key);
      lastError = timedOut
        ? new UpstreamError(504, { message: `Upstream ${provider.id} did not answer within ${provider.timeoutMs} ms`, type: "api_error", param: null, code: "upstream_timeout" })
        : new UpstreamError(502, { message: `Upstream ${provider.id} could not be reached: ${(error as Error).message}`, type: "api_error", param: null, code: "upstream_unreachable" });
    }
  }
  if (lastError) throw lastError;
  const retryIn = Math.min(...call.targets.map((t) => breakers.retryInMs(targetKey(t))));
  throw new UpstreamError(
    503,
    { message: "Every upstream for this model is failing; it is skipped until its circuit breaker lets a trial through", type: "api_error", param: null, code: "upstream_unavailable" },
    { "retry-after": String(Math.max(1, Math.ceil(retryIn / 1000))) },
  );
}

function upstreamHeaders(apiKey: string | undefined, stream: boolean): Record<string, string> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: stream ? "text/event-stream" : "application/json" };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  return headers;
}

/** The caller's body with the upstream's model name; streams always ask for usage (stripped later if unasked). */
function upstreamBody(call: UpstreamCall, model: string): Record<string, unknown> {
  if (!call.stream) return { ...call.body, model };
  const options = (call.body.stream_options as Record<string, unknown> | null | undefined) ?? {};
  return { ...call.body, model, stream_options: { ...options, include_usage: true } };
}
