import pLimit from "p-limit";
import type { AppContext } from "../../../src/context.ts";
import type { ChangedFile } from "../analysis/diff.ts";
import type { ChangeFacts } from "../analysis/facts.ts";
import type { ProposedFinding } from "../analysis/postprocess.ts";
import { globMatcher } from "../analysis/paths.ts";
import { type RepoConfig, SPECIALISTS, specialistEnabled } from "../analysis/repo-config.ts";
import type { Coverage } from "../analysis/verdict.ts";
import { planChunks } from "../specialists/chunking.ts";
import { runSpecialist } from "../specialists/run.ts";

export interface SpecialistsOutcome {
  findings: ProposedFinding[];
  specialists: Coverage["specialists"];
  notReviewed: string[];
  usage: { promptTokens: number; completionTokens: number };
  model: string | null;
}

/**
 * Runs every enabled specialist over every chunk, all in parallel (bounded), so wall time is close to one
 * model call's latency. Without a configured review model nothing runs and the outcome says so.
 */
export async function runSpecialists(ctx: AppContext, input: { files: ChangedFile[]; facts: ChangeFacts; repoConfig: RepoConfig; title: string | null; signal: AbortSignal }): Promise<SpecialistsOutcome> {
  const review = ctx.config.file.review;
  const usage = { promptTokens: 0, completionTokens: 0 };
  const modelId = review.model;
  if (!modelId) {
    return { findings: [], notReviewed: [], usage, model: null, specialists: SPECIALISTS.map((name) => ({ name, status: "not configured" as const, reason: "no review model configured" })) };
  }
  const [target] = ctx.models.targets(modelId);
  const client = await ctx.models.clientFor(target.provider);
  const plan = await planChunks(input.files, input.facts, review.chunkTokenBudget, review.maxChunks);
  const limit = pLimit(review.concurrency);
  const enabled = SPECIALISTS.filter((s) => specialistEnabled(input.repoConfig, s));
  const instructionsFor = (files: ChangedFile[]) =>
    input.repoConfig.instructions.filter((i) => files.some((f) => globMatcher([i.path])(f.path))).map((i) => `${i.path}: ${i.text}`);

  const results = await Promise.all(
    enabled.flatMap((specialist) =>
      plan.chunks.map((chunk) =>
        limit(() =>
          runSpecialist(
            { client, model: target.model, timeoutMs: review.modelTimeoutMs, signal: input.signal },
            { specialist, title: input.title, instructions: instructionsFor(chunk.files), diff: chunk.text },
          ),
        ),
      ),
    ),
  );
  const findings: ProposedFinding[] = [];
  const incomplete = new Map<string, string>();
  for (const result of results) {
    usage.promptTokens += result.usage.promptTokens;
    usage.completionTokens += result.usage.completionTokens;
    findings.push(...result.findings);
    if (result.status === "incomplete") incomplete.set(result.specialist, result.reason ?? "incomplete");
  }
  const specialists: Coverage["specialists"] = SPECIALISTS.map((name) => {
    if (!enabled.includes(name)) return { name, status: "disabled", reason: "disabled by .critique.yml" };
    if (incomplete.has(name)) return { name, status: "incomplete", reason: incomplete.get(name) };
    return { name, status: "complete" };
  });
  return { findings, specialists, notReviewed: plan.notReviewed, usage, model: modelId };
}
