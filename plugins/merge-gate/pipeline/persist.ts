import { and, eq } from "drizzle-orm";
import type { AppContext } from "../../../src/context.ts";
import { newId } from "../../../src/ids.ts";
import type { ChangedFile } from "../analysis/diff.ts";
import type { RunRow } from "../runs.ts";
import { findingSnippets } from "./snippets.ts";
import type { ReviewOutcome } from "./summary.ts";

const SEVERITY_RANK = { FAIL: 0, WARNING: 1, INFO: 2 } as const;

/**
 * Writes the findings and completes the run atomically. Idempotent: a retried attempt replaces what a dead one
 * wrote. Returns undefined when the run moved on meanwhile (cancelled, or re-queued as a newer execution).
 * `files` (the change as reviewed) gives each finding its `snippet`: the head lines it points at, secrets masked.
 */
export async function completeRun(ctx: AppContext, run: RunRow, outcome: ReviewOutcome, summary: string, creditsCharged: number | null, files: ChangedFile[] = []): Promise<RunRow | undefined> {
  const { reviewRuns: r, reviewFindings: f } = ctx.tables;
  const snippets = await snippetsOf(ctx, run, outcome, files);
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
        // The title GitHub gave when the request named none (the pipeline passes it in on the run).
        pullRequestTitle: run.pullRequestTitle,
        completedAt: now,
        updatedAt: now,
      })
      .where(and(eq(r.id, run.id), eq(r.execution, run.execution), eq(r.status, "IN_PROGRESS")))
      .returning();
    if (!updated) return undefined;
    await tx.delete(f).where(eq(f.runId, run.id));
    if (outcome.findings.length) {
      await tx.insert(f).values(
        outcome.findings.map((finding, i) => ({
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
          snippet: snippets[i],
          createdAt: now,
        })),
      );
    }
    return updated;
  });
}

/** Snippets are a convenience for the dashboard: if they cannot be made, the findings are stored without them. */
async function snippetsOf(ctx: AppContext, run: RunRow, outcome: ReviewOutcome, files: ChangedFile[]): Promise<(string | null)[]> {
  try {
    return await findingSnippets(outcome.findings, files);
  } catch (error) {
    ctx.log.warn({ err: error, runId: run.id }, "could not extract finding snippets; storing findings without them");
    return outcome.findings.map(() => null);
  }
}
