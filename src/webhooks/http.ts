import type { LookupFunction } from "node:net";
import { type IncomingMessage, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { WebhookTarget } from "./guard.ts";

/**
 * POSTs to a checked target, connecting only to the address the guard checked. Bun's `fetch` has no DNS hook, but
 * Bun's `node:http`/`node:https` `request` honours the `lookup` option (verified by test/webhooks/guard.test.ts):
 * our lookup answers with the pinned address and never asks DNS again, while the URL's host name still drives
 * SNI, certificate verification and the Host header. Redirects are never followed (node:http does not), one
 * connection per request (no pooled socket can outlive the check), and the response body is read up to a cap.
 */

export interface PostResult {
  status: number;
  /** Response headers, names lower-cased. */
  headers: Record<string, string | string[] | undefined>;
  /** The first `maxResponseBytes` of the body, as text. */
  body: string;
  latencyMs: number;
}

export interface PostOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  maxResponseBytes?: number;
  /** Trust these CA certificates (PEM) instead of the system store: a private PKI, or a test's own CA. */
  ca?: string;
}

/** The request failed before a status arrived (refused, reset, timeout, TLS). */
export class WebhookTransportError extends Error {
  override name = "WebhookTransportError";
}

function pinnedLookup(target: WebhookTarget): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as LookupFunction;
}

export function postPinned(target: WebhookTarget, body: string, headers: Record<string, string>, options: PostOptions): Promise<PostResult> {
  const { url } = target;
  const started = performance.now();
  const cap = options.maxResponseBytes ?? 2_048;
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<PostResult>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, result?: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve(result!);
    };
    const req = send(
      {
        protocol: url.protocol,
        hostname: target.hostname,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup: pinnedLookup(target),
        agent: false,
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (res) => readCapped(res, cap).then((text) => finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: text, latencyMs: Math.round(performance.now() - started) })),
    );
    const fail = (message: string) => {
      req.destroy();
      finish(new WebhookTransportError(message));
    };
    const timer = setTimeout(() => fail(`no response within ${Math.round(options.timeoutMs / 1000)} s`), options.timeoutMs);
    const onAbort = () => fail("interrupted: the server stopped the attempt");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", (error: NodeJS.ErrnoException) => finish(new WebhookTransportError(describe(error, target))));
    req.end(body);
  });
}

/** Reads at most `cap` bytes, then drops the connection: a receiver cannot make us buffer a large answer. */
function readCapped(res: IncomingMessage, cap: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).subarray(0, cap).toString("utf8"));
    res.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= cap) {
        res.destroy();
        done();
      }
    });
    res.on("end", done);
    res.on("error", done);
    res.on("close", done);
  });
}

function describe(error: NodeJS.ErrnoException, target: WebhookTarget): string {
  const where = `${target.hostname}${target.url.port ? `:${target.url.port}` : ""}`;
  switch (error.code) {
    case "ECONNREFUSED":
      return `connection refused by ${where}`;
    case "ECONNRESET":
      return `connection reset by ${where}`;
    case "ETIMEDOUT":
      return `connection to ${where} timed out`;
    default:
      return error.code ? `${error.code}: ${error.message}` : error.message || "request failed";
  }
}
