import type OpenAI from "openai";
import type { Specialist } from "../analysis/repo-config.ts";
import type { ProposedFinding } from "../analysis/postprocess.ts";
import { specialistJsonSchema, specialistOutput } from "./output.ts";
import { buildMessages, type PromptInput } from "./prompts.ts";

/**
 * Each call's answer is bounded, so a review's worst case (worst-case.ts), which it reserves in credits, is too.
 * 8,192 tokens hold dozens of findings of the usual length; an answer cut off there is invalid JSON, retried,
 * then reported incomplete like any other bad answer.
 */
export const MAX_ANSWER_TOKENS = 8_192;
/** Tries per specialist and chunk (one retry). */
export const ATTEMPTS = 2;

export interface SpecialistCall {
  client: OpenAI;
  model: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface SpecialistResult {
  specialist: Specialist;
  status: "complete" | "incomplete";
  reason?: string;
  findings: ProposedFinding[];
  usage: { promptTokens: number; completionTokens: number };
}

/** One attempt: structured output request, then JSON parse and schema validation. Throws on any failure. */
async function attempt(call: SpecialistCall, input: PromptInput, usage: SpecialistResult["usage"]): Promise<ProposedFinding[]> {
  const completion = await call.client.chat.completions.create(
    {
      model: call.model,
      temperature: 0,
      max_tokens: MAX_ANSWER_TOKENS,
      messages: buildMessages(input),
      response_format: { type: "json_schema", json_schema: { name: "review_findings", strict: true, schema: specialistJsonSchema } },
    },
    { timeout: call.timeoutMs, signal: call.signal, maxRetries: 0 },
  );
  usage.promptTokens += completion.usage?.prompt_tokens ?? 0;
  usage.completionTokens += completion.usage?.completion_tokens ?? 0;
  const content = completion.choices[0]?.message?.content;
  if (!content) throw new Error("empty answer");
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    throw new Error("answer is not valid JSON");
  }
  const parsed = specialistOutput.safeParse(json);
  if (!parsed.success) throw new Error(`answer does not match the schema (${parsed.error.issues[0].path.join(".")}: ${parsed.error.issues[0].message})`);
  return parsed.data.findings.map((f) => ({
    specialist: input.specialist,
    severity: f.severity,
    confidence: f.confidence,
    title: f.title.slice(0, 200),
    summary: f.summary.slice(0, 4_000),
    filePath: f.filePath,
    startLine: f.startLine,
    endLine: f.endLine,
    rule: f.rule.slice(0, 80) || "unspecified",
    quote: f.quote ?? undefined,
  }));
}

/**
 * Runs one specialist over one chunk. A timeout, an upstream error or an invalid answer is retried once;
 * after that the specialist is reported incomplete (the pipeline then cannot PASS), never silently skipped.
 */
export async function runSpecialist(call: SpecialistCall, input: PromptInput): Promise<SpecialistResult> {
  const usage = { promptTokens: 0, completionTokens: 0 };
  let lastError = "";
  for (let i = 0; i < ATTEMPTS; i++) {
    if (call.signal?.aborted) break;
    try {
      return { specialist: input.specialist, status: "complete", findings: await attempt(call, input, usage), usage };
    } catch (error) {
      lastError = describe(error);
    }
  }
  return { specialist: input.specialist, status: "incomplete", reason: lastError || "cancelled", findings: [], usage };
}

function describe(error: unknown): string {
  const e = error as { name?: string; status?: number; message?: string };
  if (e?.name === "APIConnectionTimeoutError" || /timed? ?out/i.test(e?.message ?? "")) return "model timed out";
  if (typeof e?.status === "number") return `model upstream answered ${e.status}`;
  return e?.message ?? String(error);
}
