import { z } from "zod";

/**
 * What the gateway needs to read from a chat completion request. Everything else the SDK sends (tools,
 * response_format, temperature, seed…) passes through untouched, so the objects are loose.
 */
const contentPart = z.looseObject({ type: z.string() });

const message = z.looseObject({
  role: z.string().min(1),
  content: z.union([z.string(), z.array(contentPart)]).nullish(),
});

const positiveInt = z.number().int().positive().nullish();

export const chatCompletionRequest = z.looseObject({
  model: z.string().min(1, "must name a model"),
  messages: z.array(message).min(1, "must contain at least one message"),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: positiveInt,
  max_completion_tokens: positiveInt,
  n: z.number().int().min(1).max(128).nullish(),
  tools: z.array(z.looseObject({ type: z.string() })).nullish(),
});

export type ChatCompletionRequest = z.output<typeof chatCompletionRequest>;
export type ChatMessage = z.output<typeof message>;

/**
 * True only for a body that `chatCompletionRequest` certainly accepts as it is: then the body itself is used and zod
 * is skipped. Zod builds a copy of the whole body, ~3.4 KB of garbage per call for a one-line prompt and more for
 * long conversations, the largest single share of the gateway's per-request allocation. Anything this does not
 * recognise goes through zod, which has the final word and writes the error messages.
 * test/inference.request-guard.test.ts holds the two to agreement.
 */
export function plainlyValid(body: unknown): body is ChatCompletionRequest {
  if (!isRecord(body) || typeof body.model !== "string" || body.model === "") return false;
  const { messages } = body;
  if (!Array.isArray(messages) || messages.length === 0) return false;
  for (const m of messages) {
    if (!isRecord(m) || typeof m.role !== "string" || m.role === "") return false;
    const { content } = m;
    if (content !== undefined && content !== null && typeof content !== "string" && !everyTyped(content)) return false;
  }
  const options = body.stream_options;
  return (
    isNullish(body.stream, (v) => typeof v === "boolean") &&
    isNullish(options, (v) => isRecord(v) && (v.include_usage === undefined || typeof v.include_usage === "boolean")) &&
    isNullish(body.max_tokens, isPositiveInt) &&
    isNullish(body.max_completion_tokens, isPositiveInt) &&
    isNullish(body.n, (v) => isPositiveInt(v) && (v as number) <= 128) &&
    isNullish(body.tools, everyTyped)
  );
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isNullish = (v: unknown, check: (v: unknown) => boolean) => v === undefined || v === null || check(v);
const isPositiveInt = (v: unknown) => Number.isSafeInteger(v) && (v as number) > 0;
/** An array of objects that each have a string `type` (content parts, tools). */
const everyTyped = (v: unknown) => Array.isArray(v) && v.every((item) => isRecord(item) && typeof item.type === "string");

/** The token counts an upstream reports (OpenAI's field names), plus what we add: `cost` in credits. */
export interface UpstreamUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens?: number;
  [more: string]: unknown;
}

const price = z.object({
  input_per_million: z.number().describe("Credits per million prompt tokens"),
  output_per_million: z.number().describe("Credits per million completion tokens"),
});

export const modelEntry = z.object({
  id: z.string(),
  object: z.literal("model"),
  created: z.number(),
  owned_by: z.string(),
  pricing: price.extend({
    training_opt_in: price.describe("The rate for keys that opted in to training retention"),
  }),
  context_window: z.number(),
  max_output_tokens: z.number(),
  health: z.enum(["healthy", "degraded", "unavailable"]).describe("From the circuit breakers of the model's upstream targets"),
});

export const modelList = z.object({ object: z.literal("list"), data: z.array(modelEntry) });
export type ModelEntry = z.output<typeof modelEntry>;
