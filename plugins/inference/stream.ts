import type { KeepAliveTicker } from "./keep-alive.ts";
import type { UpstreamUsage } from "./model.ts";

/**
 * Relays an upstream SSE stream to the client as it arrives. Events are forwarded untouched (the bytes of whole
 * events, as received) except one: the final usage chunk, which we always asked for. It is rewritten with
 * `usage.cost` when the client asked for usage, and dropped when it did not. With no usage from the upstream, an
 * estimated usage chunk is added before `[DONE]` for clients that asked. During silences an SSE comment keeps the
 * connection alive. When the client leaves, the upstream request is cancelled. Either way `onEnd` gets every data
 * payload seen, for billing what was produced.
 */
export type StreamEnd = "completed" | "cancelled" | "failed";

export interface RelayOptions {
  clientWantsUsage: boolean;
  /** Sends a comment whenever the stream has been silent for `ticker.silenceMs`. */
  ticker: KeepAliveTicker;
  /** Usage as the client should see it (with `cost`), from the upstream's own usage, or estimated when null. */
  finalUsage(upstreamUsage: UpstreamUsage | null, payloads: string[]): Record<string, unknown>;
  /** Called once, after the last byte (or the client's departure). */
  onEnd(end: StreamEnd, upstreamUsage: UpstreamUsage | null, payloads: string[]): void;
  /** Frees the upstream call (its abort listener). */
  release(): void;
}

const encoder = new TextEncoder();
const USAGE = /"usage"\s*:\s*\{/;
const KEEP_ALIVE = encoder.encode(": keep-alive\n\n");

export function relay(upstream: ReadableStream<Uint8Array>, options: RelayOptions): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const decoder = new TextDecoder();
  const payloads: string[] = [];
  let pending = "";
  let usage: UpstreamUsage | null = null;
  let sawDone = false;
  let lastSent = performance.now();
  let ended = false;
  let stopKeepAlive: (() => void) | undefined;

  const end = (how: StreamEnd) => {
    if (ended) return;
    ended = true;
    stopKeepAlive?.();
    options.release();
    options.onEnd(how, usage, payloads);
  };

  /** One complete event: recorded, then forwarded (as text), rewritten, or dropped. */
  const handle = (event: string): string => {
    const data = dataOf(event);
    if (data === undefined) return `${event}\n\n`;
    if (data === "[DONE]") {
      sawDone = true;
      if (usage || !options.clientWantsUsage) return `${event}\n\n`;
      // No usage from the upstream: the client asked for it, so it gets our estimate first.
      const first = firstChunk(payloads);
      const estimate = { id: first.id, object: "chat.completion.chunk", created: first.created, model: first.model, choices: [], usage: options.finalUsage(null, payloads) };
      return `data: ${JSON.stringify(estimate)}\n\n${event}\n\n`;
    }
    payloads.push(data);
    if (!USAGE.test(data)) return `${event}\n\n`;
    const chunk = JSON.parse(data) as Record<string, unknown>;
    usage = chunk.usage as UpstreamUsage;
    if (!options.clientWantsUsage) {
      // The usage-only final chunk was ours to ask for; a chunk that also carries choices keeps them.
      if (!Array.isArray(chunk.choices) || chunk.choices.length === 0) return "";
      delete chunk.usage;
      return `data: ${JSON.stringify(chunk)}\n\n`;
    }
    chunk.usage = options.finalUsage(usage, payloads);
    return `data: ${JSON.stringify(chunk)}\n\n`;
  };

  /** Tells the client in-stream (the SDKs raise an APIError for an `error` event) and bills what was produced. */
  const breakOff = (controller: ReadableStreamDefaultController<Uint8Array>, why: string) => {
    const error = { message: `The upstream stream broke off: ${why}`, type: "api_error", param: null, code: "upstream_stream_error" };
    controller.enqueue(encoder.encode(`data: ${JSON.stringify({ error })}\n\n`));
    controller.close();
    end("failed");
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      stopKeepAlive = options.ticker.add(() => {
        if (!ended && performance.now() - lastSent >= options.ticker.silenceMs) {
          lastSent = performance.now();
          controller.enqueue(KEEP_ALIVE);
        }
      });
    },
    async pull(controller) {
      // Reads until something can be sent: a partial event waits for the rest of it.
      for (;;) {
        let result: Awaited<ReturnType<typeof reader.read>>;
        try {
          result = await reader.read();
        } catch (error) {
          if (ended) return;
          return breakOff(controller, (error as Error).message);
        }
        if (result.done) {
          const rest = pending.trim() ? handle(pending.trimEnd()) : "";
          if (rest) controller.enqueue(encoder.encode(rest));
          // OpenAI-style streams end with [DONE]; one that stops before it was cut off.
          if (!sawDone) return breakOff(controller, "the connection closed before [DONE]");
          controller.close();
          return end("completed");
        }
        const fresh = pending === "";
        const text = decoder.decode(result.value, { stream: true });
        pending += text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
        const boundary = pending.lastIndexOf("\n\n");
        if (boundary < 0) continue;
        const complete = pending.slice(0, boundary);
        pending = pending.slice(boundary + 2);
        lastSent = performance.now();
        // Fast path: whole events that need no rewrite go out as the very bytes received.
        if (fresh && pending === "" && !USAGE.test(complete) && !complete.includes("[DONE]")) {
          for (const event of complete.split("\n\n")) {
            const data = dataOf(event);
            if (data !== undefined) payloads.push(data);
          }
          controller.enqueue(result.value);
          return;
        }
        let out = "";
        for (const event of complete.split("\n\n")) if (event) out += handle(event);
        if (out) {
          controller.enqueue(encoder.encode(out));
          return;
        }
      }
    },
    cancel() {
      // The client went away: stop the upstream, then bill what was produced so far.
      reader.cancel().catch(() => undefined);
      end("cancelled");
    },
  });
}

/** The id, created and model of the stream's first chunk, for a chunk we add. */
function firstChunk(payloads: string[]): Record<string, unknown> {
  try {
    return JSON.parse(payloads[0] ?? "{}");
  } catch {
    return {};
  }
}

/** The data of an SSE event (joined data lines), or undefined for comments and events without data. */
function dataOf(event: string): string | undefined {
  if (event.startsWith("data: ") && !event.includes("\n")) return event.slice(6);
  let data: string | undefined;
  for (const line of event.split("\n")) {
    if (!line.startsWith("data:")) continue;
    const value = line.slice(line[5] === " " ? 6 : 5);
    data = data === undefined ? value : `${data}\n${value}`;
  }
  return data;
}
