import { type CountingContext, sumTokens } from "../../src/models/tokens.ts";
import type { ChatCompletionRequest } from "./model.ts";

/** OpenAI's chat format overhead: tokens around each message, and those priming the assistant's reply. */
const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;

/**
 * Prompt tokens of a request: message texts, names, tool calls, tool definitions; images at a fixed allowance.
 * The texts are gathered and counted in one batch off the event loop (src/models/tokens.ts).
 */
export async function countPromptTokens(ctx: CountingContext, request: ChatCompletionRequest, imageTokens: number): Promise<number> {
  let total = REPLY_PRIMING;
  const texts: string[] = [];
  for (const message of request.messages) {
    total += PER_MESSAGE;
    texts.push(message.role);
    if (typeof message.content === "string") texts.push(message.content);
    else if (message.content) {
      for (const part of message.content) {
        if (typeof part.text === "string") texts.push(part.text);
        else if (part.type === "image_url" || part.type === "input_image") total += imageTokens;
        else texts.push(JSON.stringify(part));
      }
    }
    if (typeof message.name === "string") texts.push(message.name);
    if (message.tool_calls) texts.push(JSON.stringify(message.tool_calls));
  }
  if (request.tools?.length) texts.push(JSON.stringify(request.tools));
  if (request.response_format && typeof request.response_format === "object") texts.push(JSON.stringify(request.response_format));
  return total + (await sumTokens(texts, ctx));
}

/** What a model produced, per choice: text and tool calls (from a full response or assembled from stream deltas). */
export interface Produced {
  content: string;
  toolCalls: { name: string; arguments: string }[];
}

export async function countCompletionTokens(ctx: CountingContext, produced: Produced[]): Promise<number> {
  let total = 0;
  const texts: string[] = [];
  for (const choice of produced) {
    texts.push(choice.content);
    for (const call of choice.toolCalls) {
      texts.push(call.name, call.arguments);
      total += PER_MESSAGE;
    }
  }
  return total + (await sumTokens(texts, ctx));
}

const USAGE = /"usage"\s*:\s*\{/;

/**
 * relay's `finalUsage` (stream.ts) is synchronous and counting is not: for a client that asked for usage, the
 * upstream's `[DONE]` is held back until `count` has counted the data payloads so far, so that an estimate (the
 * upstream sent no usage) is ready when relay asks. Bytes pass through unchanged; nothing waits if usage came.
 */
export function countedBeforeDone(upstream: ReadableStream<Uint8Array>, count: (payloads: string[]) => Promise<void>): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  let usage = false;
  let counted = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let result: Awaited<ReturnType<typeof reader.read>>;
      try {
        result = await reader.read();
      } catch (error) {
        return controller.error(error);
      }
      if (result.done) return controller.close();
      const text = decoder.decode(result.value, { stream: true });
      // Only the new text and a few characters before it are searched: a long stream is not scanned again and again.
      const recent = seen.slice(-16) + text;
      seen += text;
      usage ||= USAGE.test(recent);
      if (!usage && !counted && recent.includes("[DONE]")) {
        counted = true;
        await count(payloadsOf(seen)).catch(() => undefined);
      }
      controller.enqueue(result.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** The data payloads of SSE text, `[DONE]` left out, as relay records them. */
function payloadsOf(text: string): string[] {
  const payloads: string[] = [];
  for (const event of text.replace(/\r\n?/g, "\n").split("\n\n")) {
    const data = event
      .split("\n")
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(line[5] === " " ? 6 : 5));
    if (data.length && data.join("\n") !== "[DONE]") payloads.push(data.join("\n"));
  }
  return payloads;
}
