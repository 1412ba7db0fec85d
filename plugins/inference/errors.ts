import { AppError, type ErrorCode } from "../../src/errors.ts";
import { NO_STORE } from "../../src/http/errors.ts";
import type { Logger } from "../../src/log.ts";

/**
 * The Inference API answers errors in OpenAI's shape, `{ "error": { message, type, param, code } }`, because the
 * SDKs our callers keep using parse exactly that (the rest of the product uses `{ "error": "…" }`). This file is
 * the one place where failures become that shape. The routes catch everything themselves (auth included) and
 * answer through `openAiErrorResponse`: the app's global onError is registered first and would otherwise win.
 */
export interface OpenAiErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** A failure that came from (or concerns) an upstream: its status, its error body and headers such as Retry-After. */
export class UpstreamError extends Error {
  override name = "UpstreamError";
  constructor(
    readonly status: number,
    readonly body: OpenAiErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
  }
}

/** A request-level error with an OpenAI `param` and `code` (e.g. a validation failure naming the field). */
export class InferenceError extends AppError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly details: { param?: string | null; code?: string | null } = {},
    headers: Record<string, string> = {},
  ) {
    super(code, message, headers);
  }
}

const TYPES: Partial<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "insufficient_credits",
  403: "permission_error",
  404: "not_found_error",
  422: "invalid_request_error",
  429: "rate_limit_error",
};

const CODES: Partial<Record<ErrorCode, string>> = {
  UNAUTHORIZED: "invalid_api_key",
  INSUFFICIENT_CREDITS: "insufficient_credits",
  RATE_LIMITED: "rate_limit_exceeded",
};

export function errorTypeFor(status: number): string {
  return TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

function describe(error: unknown, log: Logger): { status: number; body: OpenAiErrorBody; headers: Record<string, string> } {
  if (error instanceof UpstreamError) return { status: error.status, body: error.body, headers: error.headers };
  if (error instanceof AppError) {
    const details = error instanceof InferenceError ? error.details : {};
    const body = { message: error.message, type: errorTypeFor(error.status), param: details.param ?? null, code: details.code ?? CODES[error.code] ?? null };
    return { status: error.status, body, headers: error.headers };
  }
  log.error({ err: error }, "inference: unhandled error");
  return { status: 500, body: { message: "Internal server error", type: "api_error", param: null, code: null }, headers: {} };
}

/** Any failure as an OpenAI-style error response with the right status, never a stack. */
export function openAiErrorResponse(error: unknown, log: Logger): Response {
  const { status, body, headers } = describe(error, log);
  return new Response(JSON.stringify({ error: body }), {
    status,
    headers: { ...headers, "content-type": "application/json", "cache-control": NO_STORE },
  });
}

/** Reads an upstream's error answer (OpenAI-shaped or not) into our error body, keeping its message. */
export async function upstreamErrorFrom(response: Response, provider: string): Promise<UpstreamError> {
  const text = await response.text().catch(() => "");
  let parsed: Partial<OpenAiErrorBody> | undefined;
  try {
    const json = JSON.parse(text) as { error?: Partial<OpenAiErrorBody> | string; message?: string };
    parsed = typeof json.error === "object" && json.error ? json.error : { message: typeof json.error === "string" ? json.error : json.message };
  } catch {}
  const message = parsed?.message || text.slice(0, 300) || `HTTP ${response.status}`;
  const headers: Record<string, string> = {};
  const retryAfter = response.headers.get("retry-after");
  if (retryAfter) headers["retry-after"] = retryAfter;
  return new UpstreamError(
    response.status,
    { message: `Upstream ${provider}: ${message}`, type: typeof parsed?.type === "string" ? parsed.type : errorTypeFor(response.status), param: parsed?.param ?? null, code: parsed?.code ?? null },
    headers,
  );
}
