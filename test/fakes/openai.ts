import { randomBytes } from "node:crypto";
import { jsonResponse, type RecordedRequest, recordRequest, sleep } from "./http.ts";
import { chunks, completion, errorBody, type FakeToolCall, type FakeUsage, sampleOf, split, type Turn } from "./openai-shapes.ts";

/** One scripted answer of the fake upstream. Everything is optional; missing parts are derived from the request. */
export interface FakeReply {
  content?: string | null;
  /** Structured output: sent as the JSON text of this value. */
  json?: unknown;
  toolCalls?: FakeToolCall[];
  finishReason?: "stop" | "length" | "tool_calls" | "content_filter";
  usage?: FakeUsage;
  /** Behave like an upstream that reports no usage at all (no `usage` field, no usage chunk even when asked). */
  omitUsage?: boolean;
  /** How the content is split into stream deltas (default: about three pieces). */
  chunks?: string[];
  /** Wait before answering at all (slow upstream). */
  delayMs?: number;
  /** Wait between streamed chunks. */
  chunkDelayMs?: number;
  /** Streaming only: end the stream cleanly after this many chunks, without a finish reason or `[DONE]`. */
  endAfterChunks?: number;
  /** Streaming only: after this many chunks send OpenAI's in-stream error event (`data: {"error": …}`) and end. */
  errorAfterChunks?: number;
}

/** A scripted failure in OpenAI's error shape. */
export interface FakeFailure {
  status: 400 | 401 | 404 | 429 | 500 | 503;
  message?: string;
  /** Seconds, sent as `retry-after` (429). */
  retryAfter?: number;
  delayMs?: number;
}

type Step = { reply: FakeReply } | { failure: FakeFailure };

export interface FakeOpenAIOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Model ids `/v1/models` lists; when set, other models get OpenAI's 404. */
  models?: string[];
}

/**
 * A local OpenAI-compatible upstream: `POST /v1/chat/completions` (JSON or SSE), `GET /v1/models`, scripted
 * replies and failures consumed in order, slow answers on demand, and every request recorded.
 */
export class FakeOpenAI {
  readonly requests: RecordedRequest[] = [];
  /** Streamed answers whose client went away before the end (the stream was cancelled or its request aborted). */
  streamsCancelled = 0;
  readonly url: string;
  /** What to put in an `openai` client's `baseURL`. */
  readonly baseURL: string;
  /** Answers requests when nothing is scripted: echoes the last user message (or a sample of the JSON schema). */
  responder: (body: any) => FakeReply = defaultResponder;
  readonly #steps: Step[] = [];
  readonly #server: ReturnType<typeof Bun.serve>;

  private constructor(private readonly options: FakeOpenAIOptions) {
    this.#server = Bun.serve({ port: 0, hostname: "127.0.0.1", idleTimeout: 120, fetch: (request) => this.#handle(request) });
    this.url = `http://127.0.0.1:${this.#server.port}`;
    this.baseURL = `${this.url}/v1`;
  }

  static start(options: FakeOpenAIOptions = {}): FakeOpenAI {
    return new FakeOpenAI(options);
  }

  /** Queue replies for the next chat completions, in order. */
  reply(...replies: FakeReply[]) {
    for (const reply of replies) this.#steps.push({ reply });
  }

  /** Queue failures (`times` copies) for the next chat completions. */
  fail(failure: FakeFailure, times = 1) {
    for (let i = 0; i < times; i++) this.#steps.push({ failure });
  }

  /** Chat completion requests received, with their JSON bodies. */
  get completions(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === "POST" && r.path.startsWith("/v1/chat/completions"));
  }

  stop() {
    this.#server.stop(true);
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const recorded = await recordRequest(request, `${url.pathname}${url.search}`);
    this.requests.push(recorded);
    if (this.options.apiKey && request.headers.get("authorization") !== `Bearer ${this.options.apiKey}`) {
      return jsonResponse(401, errorBody("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"));
    }
    if (request.method === "GET" && url.pathname === "/v1/models") {
      const data = (this.options.models ?? ["fake-model"]).map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "fake" }));
      return jsonResponse(200, { object: "list", data });
    }
    if (request.method !== "POST" || url.pathname !== "/v1/chat/completions") {
      return jsonResponse(404, errorBody(`Invalid URL (${request.method} ${url.pathname})`, "invalid_request_error"));
    }
    const body = recorded.body as any;
    if (!body || typeof body !== "object") return jsonResponse(400, errorBody("We could not parse the JSON body of your request.", "invalid_request_error"));
    if (typeof body.model !== "string" || !body.model) return jsonResponse(400, errorBody("you must provide a model parameter", "invalid_request_error", null, "model"));
    if (!Array.isArray(body.messages) || body.messages.length === 0) return jsonResponse(400, errorBody("'messages' must contain at least one message.", "invalid_request_error", null, "messages"));
    if (this.options.models && !this.options.models.includes(body.model)) {
      return jsonResponse(404, errorBody(`The model \`${body.model}\` does not exist or you do not have access to it.`, "invalid_request_error", "model_not_found"));
    }
    const step = this.#steps.shift() ?? { reply: this.responder(body) };
    if ("failure" in step) return failureResponse(step.failure);
    const reply = step.reply;
    if (reply.delayMs) await sleep(reply.delayMs);
    const turn = turnFor(body, reply);
    if (!body.stream) {
      const answer: Record<string, unknown> = { ...completion(turn) };
      if (reply.omitUsage) delete answer.usage;
      return jsonResponse(200, answer, { "x-request-id": `req_${turn.id}`, "openai-processing-ms": "1" });
    }
    const pieces = reply.chunks ?? split(turn.content ?? "", 3);
    return streamResponse(chunks(turn, pieces, body.stream_options?.include_usage === true && !reply.omitUsage), reply, request.signal, () => this.streamsCancelled++);
  }
}

function defaultResponder(body: any): FakeReply {
  const schema = body.response_format?.type === "json_schema" ? body.response_format.json_schema?.schema : undefined;
  if (schema) return { json: sampleOf(schema) };
  const lastUser = [...body.messages].reverse().find((m: any) => m.role === "user");
  const text = typeof lastUser?.content === "string" ? lastUser.content : JSON.stringify(lastUser?.content ?? "");
  return { content: `Echo: ${text}` };
}

/** Fills in what the reply left out: ids, finish reason, and token counts (about four characters per token). */
function turnFor(body: any, reply: FakeReply): Turn {
  const content = reply.json !== undefined ? JSON.stringify(reply.json) : reply.content === undefined ? (reply.toolCalls?.length ? null : "") : reply.content;
  const toolCalls = (reply.toolCalls ?? []).map((c) => ({ id: c.id ?? `call_${randomBytes(12).toString("base64url")}`, name: c.name, arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments) }));
  const produced = (content ?? "").length + toolCalls.reduce((n, c) => n + c.name.length + c.arguments.length, 0);
  return {
    id: `chatcmpl-${randomBytes(12).toString("base64url")}`,
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    content,
    toolCalls,
    finishReason: reply.finishReason ?? (toolCalls.length ? "tool_calls" : "stop"),
    usage: reply.usage ?? { prompt_tokens: Math.max(1, Math.ceil(JSON.stringify(body.messages).length / 4)), completion_tokens: Math.max(1, Math.ceil(produced / 4)) },
  };
}

function streamResponse(events: object[], reply: FakeReply, signal: AbortSignal, onCancel: () => void = () => {}): Response {
  const encoder = new TextEncoder();
  let sent = 0;
  let cancelled = false;
  const cancel = () => {
    if (!cancelled) onCancel();
    cancelled = true;
  };
  const stream = new ReadableStream<Uint8Array>({
    cancel,
    async pull(controller) {
      if (signal.aborted) {
        cancel();
        return controller.close();
      }
      if (reply.endAfterChunks !== undefined && sent >= reply.endAfterChunks) return controller.close();
      if (reply.errorAfterChunks !== undefined && sent >= reply.errorAfterChunks) {
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(errorBody("The server had an error while processing your request. Sorry about that!", "server_error"))}\n\n`));
        return controller.close();
      }
      if (sent > 0 && reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
      if (sent < events.length) controller.enqueue(encoder.encode(`data: ${JSON.stringify(events[sent])}\n\n`));
      else {
        controller.enqueue(encoder.encode("data: [DONE]\n\n"));
        controller.close();
      }
      sent++;
    },
  });
  return new Response(stream, { status: 200, headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-request-id": "req_stream" } });
}

async function failureResponse(failure: FakeFailure): Promise<Response> {
  if (failure.delayMs) await sleep(failure.delayMs);
  switch (failure.status) {
    case 429:
      return jsonResponse(
        429,
        errorBody(failure.message ?? `Rate limit reached for requests. Please try again in ${failure.retryAfter ?? 1}s.`, "requests", "rate_limit_exceeded"),
        { "retry-after": String(failure.retryAfter ?? 1), "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": `${failure.retryAfter ?? 1}s` },
      );
    case 500:
    case 503:
      return jsonResponse(failure.status, errorBody(failure.message ?? "The server had an error while processing your request. Sorry about that!", "server_error"));
    case 401:
      return jsonResponse(401, errorBody(failure.message ?? "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"));
    case 404:
      return jsonResponse(404, errorBody(failure.message ?? "The model does not exist or you do not have access to it.", "invalid_request_error", "model_not_found"));
    default:
      return jsonResponse(400, errorBody(failure.message ?? "Invalid request.", "invalid_request_error"));
  }
}
