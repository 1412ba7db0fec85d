import { and, eq } from "drizzle-orm";
import type { AppContext } from "../../../src/context.ts";
import { newId } from "../../../src/ids.ts";
import type { RunRow } from "../runs.ts";
import type { ReviewOutcome } from "./summary.ts";

const SEVERITY_RANK = { FAIL: 0, WARNING: 1, INFO: 2 } as const;

/**
 * Writes the findings and completes the run atomically. Idempotent: a retried attempt replaces what a dead one
 * wrote. Returns undefined when the run moved on meanwhile (cancelled, or re-queued as a newer execution).
 */
export async function completeRun(ctx: AppContext, run: RunRow, outcome: ReviewOutcome, summary: string, creditsCharged: number | null): Promise<RunRow | undefined> {
  const { reviewRuns: r, reviewFindings: f } = ctx.tables;
  const now = new Date();
  return ctx.database.transaction(async (tx) => {
    const [updated] = await tx
      .update(r)
      .set({
        status: "COMPLETED",
        verdict: outcome.verdict,
        summary,
        riskBand: outcome.risk.band,
        riskScore: outcome.risk.score,
        coverage: outcome.coverage,
        creditsCharged,
        completedAt: now,
        updatedAt: now,
      })
      .where(and(eq(r.id, run.id), eq(r.execution, run.execution), eq(r.status, "IN_PROGRESS")))
      .returning();
    if (!updated) return undefined;
    await tx.delete(f).where(eq(f.runId, run.id));
    if (outcome.findings.length) {
      await tx.insert(f).values(
        outcome.findings.map((finding) => ({
          id: newId(),
          runId: run.id,
          specialist: finding.specialist,
          severity: finding.severity,
          severityRank: SEVERITY_RANK[finding.severity],
          confidence: finding.confidence,
          title: finding.title,
          summary: finding.summary,
          filePath: finding.filePath,
          startLine: finding.startLine,
          endLine: finding.endLine,
          fingerprint: finding.fingerprint,
          rule: finding.rule,
          novelty: finding.novelty,
          createdAt: now,
        })),
      );
    }
    return updated;
  });
}
