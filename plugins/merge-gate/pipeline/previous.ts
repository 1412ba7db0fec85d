import { and, desc, eq, ne } from "drizzle-orm";
import type { AppContext } from "../../../src/context.ts";
import type { RunRow } from "../runs.ts";

/**
 * Findings of the previous completed review of the same pull request (another SHA), or of this run's previous
 * execution when it is a re-run: what "persisting" and "resolved" are measured against.
 */
export async function previousFindings(ctx: AppContext, run: RunRow) {
  const { reviewRuns: r, reviewFindings: f, reviewRunHistory: h } = ctx.tables;
  const [prior] = await ctx.db
    .select({ id: r.id })
    .from(r)
    // The same installation's runs only: an earlier tenant's findings say nothing about what is new here.
    .where(and(eq(r.installationId, run.installationId), eq(r.repositoryKey, run.repositoryKey), eq(r.pullRequestNumber, run.pullRequestNumber), eq(r.status, "COMPLETED"), ne(r.id, run.id)))
    .orderBy(desc(r.completedAt))
    .limit(1);
  if (prior) return ctx.db.select({ fingerprint: f.fingerprint, title: f.title, filePath: f.filePath }).from(f).where(eq(f.runId, prior.id));
  const [archived] = await ctx.db.select({ findings: h.findings }).from(h).where(and(eq(h.runId, run.id), eq(h.status, "COMPLETED"))).orderBy(desc(h.execution)).limit(1);
  return ((archived?.findings ?? []) as { fingerprint: string; title: string; filePath: string | null }[]).map(({ fingerprint, title, filePath }) => ({ fingerprint, title, filePath }));
}
