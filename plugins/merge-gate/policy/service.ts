import type { Octokit } from "@octokit/core";
import { and, desc, eq } from "drizzle-orm";
import type { AppContext } from "../../../src/context.ts";
import { ConfigError } from "../../../src/config/index.ts";
import { newId } from "../../../src/ids.ts";
import type { RepoConfig } from "../analysis/repo-config.ts";
import { announcePolicy } from "../change-events.ts";
import { setCommitStatus } from "../github/statuses.ts";
import { passportUrls } from "../links.ts";
import { appendSnapshot, type PassportRow } from "../passports/service.ts";
import { parsePolicySettings, resolvePolicySettings } from "./config.ts";
import { evaluatePolicy, type PolicyFacts, type PolicyOutcome } from "./evaluate.ts";

export type PolicyEvaluationRow = typeof import("../../../db/sqlite.ts").policyEvaluations.$inferSelect;

/** The server's policy section, checked once at start-up so a typo stops the server instead of every review. */
export function serverPolicy(ctx: AppContext) {
  const { settings, problem } = parsePolicySettings(ctx.config.file.policy);
  if (problem) throw new ConfigError(`CRITIQUE_CONFIG: ${problem}`);
  return settings;
}

const STATUS: Record<PolicyOutcome, { state: "success" | "pending" | "failure"; label: string }> = {
  allow: { state: "success", label: "Merge allowed" },
  require_approval: { state: "pending", label: "Human approval required" },
  block: { state: "failure", label: "Merge blocked" },
};

/**
 * Evaluates the merge policy for the passport's head commit from the latest completed review and checkpoint of
 * that commit, stores the evaluation, appends a passport snapshot and sets the `critique/merge-policy` status.
 */
export async function evaluateMergePolicy(
  ctx: AppContext,
  input: { passport: PassportRow; headSha: string; trigger: { reviewRunId?: string; checkpointId?: string }; repoConfig: RepoConfig; octokit?: Octokit; notes?: string[] },
): Promise<PolicyEvaluationRow> {
  const problems: string[] = [];
  const repo = parsePolicySettings(input.repoConfig.policy);
  if (repo.problem) problems.push(`.critique.yml ${repo.problem} (ignored)`);
  const settings = resolvePolicySettings(serverPolicy(ctx), repo.settings);
  const { outcome, reasons } = evaluatePolicy(await policyFacts(ctx, input.passport, input.headSha), settings);
  const row: PolicyEvaluationRow = {
    id: newId(),
    passportId: input.passport.id,
    headSha: input.headSha,
    reviewRunId: input.trigger.reviewRunId ?? null,
    checkpointId: input.trigger.checkpointId ?? null,
    outcome,
    reasons: [...reasons, ...problems, ...(input.notes ?? [])],
    policy: settings as unknown as Record<string, unknown>,
    createdAt: new Date(),
  };
  await ctx.db.insert(ctx.tables.policyEvaluations).values(row);
  const { passport } = await appendSnapshot(ctx, input.passport.id, { kind: "policy", refId: row.id, headSha: input.headSha, state: { policyOutcome: outcome }, detail: { policyReasons: row.reasons } });
  await announcePolicy(ctx, passport, row);
  if (input.octokit) {
    const status = STATUS[outcome];
    await setCommitStatus(input.octokit, input.passport.repository, input.headSha, {
      context: "critique/merge-policy",
      state: status.state,
      description: reasons.length ? `${status.label}: ${reasons.join("; ")}` : status.label,
      targetUrl: passportUrls(ctx, input.passport.id).passport,
    }).catch((error) => ctx.log.warn({ err: error, passportId: input.passport.id }, "could not set the merge-policy status"));
  }
  return row;
}

/** Facts from the passport's installation only: another tenant's review of the same commit decides nothing here. */
async function policyFacts(ctx: AppContext, passport: PassportRow, headSha: string): Promise<PolicyFacts> {
  const { reviewRuns: r, reviewFindings: f, checkpoints: c } = ctx.tables;
  const [run] = await ctx.db
    .select()
    .from(r)
    .where(and(eq(r.installationId, passport.installationId), eq(r.repositoryKey, passport.repositoryKey), eq(r.pullRequestNumber, passport.pullRequestNumber), eq(r.headSha, headSha), eq(r.status, "COMPLETED")))
    .orderBy(desc(r.completedAt))
    .limit(1);
  const [checkpoint] = await ctx.db
    .select({ outcome: c.outcome })
    .from(c)
    .where(and(eq(c.installationId, passport.installationId), eq(c.repositoryKey, passport.repositoryKey), eq(c.pullRequestNumber, passport.pullRequestNumber), eq(c.headSha, headSha), eq(c.status, "COMPLETED")))
    .orderBy(desc(c.completedAt))
    .limit(1);
  const facts: PolicyFacts = { headSha, checkpoint: checkpoint?.outcome ? { outcome: checkpoint.outcome } : undefined };
  if (run) {
    const findings = await ctx.db.select({ severity: f.severity, confidence: f.confidence }).from(f).where(eq(f.runId, run.id));
    const coverage = run.coverage as { specialists?: { name: string; status: string }[] } | null;
    facts.review = { verdict: run.verdict ?? "", riskBand: run.riskBand ?? "", findings, specialists: coverage?.specialists ?? [] };
  }
  return facts;
}
