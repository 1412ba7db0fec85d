import { type TokenCounter as Counter, tokenCounter } from "../../src/models/tokens.ts";
import type { ChatCompletionRequest } from "./model.ts";

export { tokenCounter };

/** OpenAI's chat format overhead: tokens around each message, and those priming the assistant's reply. */
const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;

/** Prompt tokens of a request: message texts, names, tool calls, tool definitions; images at a fixed allowance. */
export function countPromptTokens(count: Counter, request: ChatCompletionRequest, imageTokens: number): number {
  let total = REPLY_PRIMING;
  for (const message of request.messages) {
    total += PER_MESSAGE + count(message.role);
    if (typeof message.content === "string") total += count(message.content);
    else if (message.content) {
      for (const part of message.content) {
        if (typeof part.text === "string") total += count(part.text);
        else if (part.type === "image_url" || part.type === "input_image") total += imageTokens;
        else total += count(JSON.stringify(part));
      }
    }
    if (typeof message.name === "string") total += count(message.name);
    if (message.tool_calls) total += count(JSON.stringify(message.tool_calls));
  }
  if (request.tools?.length) total += count(JSON.stringify(request.tools));
  if (request.response_format && typeof request.response_format === "object") total += count(JSON.stringify(request.response_format));
  return total;
}

/** What a model produced, per choice: text and tool calls (from a full response or assembled from stream deltas). */
export interface Produced {
  content: string;
  toolCalls: { name: string; arguments: string }[];
}

export function countCompletionTokens(count: Counter, produced: Produced[]): number {
  let total = 0;
  for (const choice of produced) {
    total += count(choice.content);
    for (const call of choice.toolCalls) total += count(call.name) + count(call.arguments) + PER_MESSAGE;
  }
  return total;
}
