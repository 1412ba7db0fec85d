import { asc, desc, eq } from "drizzle-orm";
import type { AppContext } from "../../src/context.ts";
import { reviewRunUrls } from "./links.ts";
import type { RunRow } from "./runs.ts";

/**
 * Webhook bodies for review runs. The lifecycle shape is the spec's `review.run.completed` example field for
 * field (findings without `id`); `review.run.failed` carries failureReason and summary instead of a verdict
 * and findings. Per-run events (`review.queued|completed|failed`) use the same shape under their own event
 * name, with each finding's `id` too (as in GET /api/v1/review-runs/{id}).
 */
export type RunPhase = "queued" | "completed" | "failed";

export type FindingRow = typeof import("../../db/sqlite.ts").reviewFindings.$inferSelect;

/** Every finding of the run, in the snapshot's order: severity, then confidence. */
export async function runFindings(ctx: AppContext, runId: string): Promise<FindingRow[]> {
  const t = ctx.tables.reviewFindings;
  return ctx.db.select().from(t).where(eq(t.runId, runId)).orderBy(asc(t.severityRank), desc(t.confidence), asc(t.filePath), asc(t.startLine), asc(t.id));
}

function finding(row: FindingRow, withId: boolean) {
  return {
    ...(withId ? { id: row.id } : {}),
    specialist: row.specialist,
    severity: row.severity,
    confidence: row.confidence,
    title: row.title,
    summary: row.summary,
    filePath: row.filePath,
    startLine: row.startLine,
    endLine: row.endLine,
    fingerprint: row.fingerprint,
  };
}

/** When the event happened: stable across re-publication, so a retried publisher builds the same body. */
function eventTime(run: RunRow, phase: RunPhase): string {
  return (phase === "queued" ? run.updatedAt : (run.completedAt ?? run.updatedAt)).toISOString();
}

export function runPayload(ctx: AppContext, run: RunRow, phase: RunPhase, event: string, findings: FindingRow[], options: { findingIds: boolean }): Record<string, unknown> {
  const head = {
    event,
    timestamp: eventTime(run, phase),
    id: run.id,
    object: "review.run",
    status: phase,
    installationId: run.installationId,
    repository: run.repository,
    pullRequest: { number: run.pullRequestNumber, headSha: run.headSha },
    changePassportId: run.changePassportId ?? null,
  };
  const urls = reviewRunUrls(ctx, run.id);
  if (phase === "failed") {
    const failureReason = run.failureReason ?? "The review failed";
    return { ...head, summary: run.summary ?? `Review failed: ${failureReason}`, failureReason, urls };
  }
  return {
    ...head,
    verdict: run.verdict,
    riskBand: run.riskBand,
    riskScore: run.riskScore,
    summary: run.summary,
    findingsCount: findings.length,
    findings: findings.map((f) => finding(f, options.findingIds)),
    urls,
  };
}
