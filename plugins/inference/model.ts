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
