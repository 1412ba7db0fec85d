import { and, eq } from "drizzle-orm";
import type { AppContext } from "../../../src/context.ts";
import { ConfigError } from "../../../src/config/index.ts";
import { parseRepoConfig } from "../analysis/repo-config.ts";
import { scanAddedLinesForSecrets } from "../analysis/secrets.ts";
import { queueAutomaticReview } from "../github/automatic-review.ts";
import { announceCheckpoint } from "../change-events.ts";
import { setCommitStatus } from "../github/statuses.ts";
import { checkpointUrl } from "../links.ts";
import { appendSnapshot, ensurePassport } from "../passports/service.ts";
import { fetchChange } from "../pipeline/fetch-change.ts";
import { evaluateMergePolicy } from "../policy/service.ts";
import { parseCheckpointSettings, resolveCheckpointSettings } from "./config.ts";
import { evaluateCheckpoint } from "./rules.ts";
import type { CheckpointRow } from "./service.ts";

/** The server's checkpoint section, checked once at start-up. */
export function serverCheckpointSettings(ctx: AppContext) {
  const { settings, problem } = parseCheckpointSettings(ctx.config.file.checkpoint);
  if (problem) throw new ConfigError(`CRITIQUE_CONFIG: ${problem}`);
  return settings;
}

const STATUS = { block: "failure", warn: "success", pass: "success" } as const;

/**
 * Evaluates a queued checkpoint. For pull requests GitHub told us about, it then decides whether the full review
 * is queued (checkpoint.autoReview): the checkpoint always runs before any automatic review.
 */
export async function runCheckpoint(ctx: AppContext, id: string, lastAttempt: boolean) {
  const t = ctx.tables.checkpoints;
  const [row] = await ctx.db.select().from(t).where(eq(t.id, id));
  if (row?.status !== "QUEUED") return { skipped: "not queued" };
  const fail = async (reason: string) => {
    await ctx.db.update(t).set({ status: "FAILED", failureReason: reason, completedAt: new Date() }).where(and(eq(t.id, id), eq(t.status, "QUEUED")));
    return { failed: reason };
  };
  if (!ctx.github) return fail("No GitHub App is configured on this server");
  const octokit = await ctx.github.installationClient(row.installationId);
  const [owner, repo] = row.repository.split("/");
  let change: Awaited<ReturnType<typeof fetchChange>>;
  try {
    change = await fetchChange(octokit, owner, repo, row.pullRequestNumber, row.headSha);
  } catch (error) {
    const status = (error as { status?: number }).status;
    if ((status && status >= 400 && status < 500 && status !== 429) || lastAttempt) return fail(`GitHub answered ${status ?? "with an error"}: ${(error as Error).message}`);
    throw error;
  }
  const repoConfig = parseRepoConfig(change.repoConfigText).config;
  const repoSettings = parseCheckpointSettings(repoConfig.checkpoint);
  const settings = resolveCheckpointSettings(serverCheckpointSettings(ctx), repoSettings.settings);
  const secrets = await scanAddedLinesForSecrets(change.files);
  const { outcome, fired } = evaluateCheckpoint({ files: change.files, author: change.author, secrets }, settings);

  const [done] = await ctx.db.update(t).set({ status: "COMPLETED", outcome, rules: fired, completedAt: new Date() }).where(and(eq(t.id, id), eq(t.status, "QUEUED"))).returning();
  if (!done) return { skipped: "finished elsewhere" };
  await announceCheckpoint(ctx, done as CheckpointRow);
  const passport = await ensurePassport(ctx, { ...done, title: change.title });
  const { passport: updated } = await appendSnapshot(ctx, passport.id, {
    kind: "checkpoint",
    refId: id,
    headSha: done.headSha,
    state: { headSha: done.headSha, checkpointOutcome: outcome, title: change.title ?? undefined },
    detail: { rules: fired.map((r) => `${r.level}:${r.rule}`), ...(repoSettings.problem ? { configProblem: repoSettings.problem } : {}) },
  });
  await setCommitStatus(octokit, done.repository, done.headSha, {
    context: "critique/checkpoint",
    state: STATUS[outcome],
    description: fired.length ? `${outcome}: ${fired.map((r) => r.message).join("; ")}` : "pass: no checkpoint rule fired",
    targetUrl: checkpointUrl(ctx, id),
  }).catch((error) => ctx.log.warn({ err: error, checkpointId: id }, "could not set the checkpoint status"));
  await evaluateMergePolicy(ctx, { passport: updated, headSha: done.headSha, trigger: { checkpointId: id }, repoConfig, octokit });
  await followUp(ctx, done as CheckpointRow, outcome, settings.autoReview, change.title);
  return { outcome, rules: fired.length };
}

/** GitHub-triggered checkpoints queue the full review unless `autoReview` says this outcome does not get one. */
async function followUp(ctx: AppContext, row: CheckpointRow, outcome: "block" | "warn" | "pass", autoReview: string[] | undefined, title: string | null) {
  if (row.trigger !== "github") return;
  if (autoReview && !autoReview.includes(outcome)) return;
  await queueAutomaticReview(ctx, { repository: { installationId: row.installationId, fullName: row.repository, key: row.repositoryKey }, pullRequestNumber: row.pullRequestNumber, headSha: row.headSha, title });
}
