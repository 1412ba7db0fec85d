import type { ChatCompletion, ChatCompletionChunk } from "openai/resources/chat/completions";

/**
 * OpenAI chat-completion wire objects, typed with the `openai` SDK's own types so they stay faithful:
 * `chat.completion`, `chat.completion.chunk` (SSE), and the `{ "error": { … } }` envelope.
 */
export interface FakeToolCall {
  name: string;
  /** JSON text as the model would send it (objects are stringified). */
  arguments: string | object;
  id?: string;
}

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface Turn {
  id: string;
  created: number;
  model: string;
  content: string | null;
  toolCalls: { id: string; name: string; arguments: string }[];
  finishReason: ChatCompletion.Choice["finish_reason"];
  usage: FakeUsage;
}

export function usageObject(usage: FakeUsage): NonNullable<ChatCompletion["usage"]> {
  return {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.prompt_tokens + usage.completion_tokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

export function completion(turn: Turn): ChatCompletion {
  return {
    id: turn.id,
    object: "chat.completion",
    created: turn.created,
    model: turn.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: turn.content,
          refusal: null,
          annotations: [],
          ...(turn.toolCalls.length ? { tool_calls: turn.toolCalls.map((c) => ({ id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments } })) } : {}),
        },
        logprobs: null,
        finish_reason: turn.finishReason,
      },
    ],
    usage: usageObject(turn.usage),
    service_tier: "default",
    system_fingerprint: "fp_fake",
  };
}

/**
 * The chunks of a streamed turn, in OpenAI's order: a role chunk, content deltas, tool-call deltas (name first,
 * then argument pieces, each with its `index`), a chunk with the finish reason, and, when the request asked for
 * `stream_options.include_usage`, a last chunk with empty `choices` and the usage (earlier chunks carry `usage: null`).
 */
export function chunks(turn: Turn, contentPieces: string[], includeUsage: boolean): ChatCompletionChunk[] {
  const base = { id: turn.id, object: "chat.completion.chunk" as const, created: turn.created, model: turn.model, system_fingerprint: "fp_fake", service_tier: "default" as const };
  const withUsage = includeUsage ? { usage: null } : {};
  const chunk = (delta: ChatCompletionChunk.Choice.Delta, finish: ChatCompletionChunk.Choice["finish_reason"] = null): ChatCompletionChunk => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...withUsage,
  });
  const out = [chunk({ role: "assistant", content: turn.content === null ? null : "", refusal: null })];
  for (const piece of contentPieces) out.push(chunk({ content: piece }));
  turn.toolCalls.forEach((call, index) => {
    out.push(chunk({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }] }));
    for (const piece of split(call.arguments, 3)) out.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  out.push(chunk({}, turn.finishReason));
  if (includeUsage) out.push({ ...base, choices: [], usage: usageObject(turn.usage) });
  return out;
}

/** Splits text into about `parts` pieces (never empty ones). */
export function split(text: string, parts: number): string[] {
  if (!text) return [];
  const size = Math.max(1, Math.ceil(text.length / parts));
  const out = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

export type ErrorType = "invalid_request_error" | "authentication_error" | "requests" | "server_error" | "tokens";

export function errorBody(message: string, type: ErrorType, code: string | null = null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

/** A minimal instance of a JSON schema (required properties, first enum value, empty arrays), for default answers. */
export function sampleOf(schema: any): unknown {
  if (!schema || typeof schema !== "object") return null;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (Array.isArray(schema.anyOf)) return sampleOf(schema.anyOf[0]);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) out[key] = sampleOf(schema.properties?.[key]);
      return out;
    }
    case "array":
      return [];
    case "string":
      return "";
    case "number":
    case "integer":
      return schema.minimum ?? 0;
    case "boolean":
      return false;
    default:
      return null;
  }
}
