import { and, asc, count, desc, eq, inArray, lt } from "drizzle-orm";
import type { AppContext, ServiceContext } from "../../src/context.ts";
import { notFound } from "../../src/errors.ts";
import { canSeeInstallation, visibleInstallationFilter } from "../../src/github/installations.ts";
import { reviewRunUrls } from "./links.ts";
import type { ListRunsQuery, ReviewRunView } from "./model.ts";
import { failIfStuck } from "./pipeline/stuck.ts";
import { latestRemedySummaries } from "./remedy/views.ts";
import { findRun, type RunRow } from "./runs.ts";

/** Findings in a default (chat-sized) snapshot; `?findings=all` lifts it. */
export const DEFAULT_FINDINGS_CAP = 5;

/** The run if the principal may see it; otherwise 404, exactly as for an id that does not exist. */
export async function getVisibleRun(ctx: ServiceContext, id: string): Promise<RunRow> {
  const run = await findRun(ctx, id);
  if (!run || !(await canSeeInstallation(ctx, ctx.principal, run.installationId))) throw notFound(`Review run ${id}`);
  return (await failIfStuck(ctx, run)) ?? run;
}

export async function loadFindings(ctx: AppContext, runId: string, limit?: number) {
  const t = ctx.tables.reviewFindings;
  const query = ctx.db
    .select()
    .from(t)
    .where(eq(t.runId, runId))
    .orderBy(asc(t.severityRank), desc(t.confidence), asc(t.filePath), asc(t.startLine), asc(t.id));
  return limit === undefined ? await query : await query.limit(limit);
}

/** The documented snapshot: `{ reviewRun: {…} }` minus the envelope. */
export async function reviewRunView(ctx: ServiceContext, id: string, options: { allFindings: boolean }): Promise<ReviewRunView> {
  const run = await getVisibleRun(ctx, id);
  const t = ctx.tables.reviewFindings;
  const [{ total }] = await ctx.db.select({ total: count() }).from(t).where(eq(t.runId, run.id));
  const findings = await loadFindings(ctx, run.id, options.allFindings ? undefined : DEFAULT_FINDINGS_CAP);
  const remedies = await latestRemedySummaries(ctx, [run.id]);
  return {
    ...summarizeRun(ctx, run, remedies.get(run.id)),
    findings: findings.map((f) => ({
      id: f.id,
      specialist: f.specialist,
      severity: f.severity as "FAIL",
      confidence: f.confidence,
      title: f.title,
      summary: f.summary,
      filePath: f.filePath,
      startLine: f.startLine,
      endLine: f.endLine,
      fingerprint: f.fingerprint,
      novelty: f.novelty as "new",
    })),
    findingsTotal: Number(total),
    findingsTruncated: !options.allFindings && Number(total) > findings.length,
  };
}

export function summarizeRun(ctx: AppContext, run: RunRow, latestRemedyRun: ReviewRunView["latestRemedyRun"] = null): Omit<ReviewRunView, "findings" | "findingsTotal" | "findingsTruncated"> {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    reviewRunId: run.id,
    status: run.status as ReviewRunView["status"],
    verdict: run.verdict as ReviewRunView["verdict"],
    summary: run.summary,
    riskBand: run.riskBand as ReviewRunView["riskBand"],
    riskScore: run.riskScore,
    headSha: run.headSha,
    changePassportId: run.changePassportId,
    urls: reviewRunUrls(ctx, run.id),
    latestRemedyRun: latestRemedyRun ?? null,
    repository: run.repository,
    pullRequestNumber: run.pullRequestNumber,
    pullRequestTitle: run.pullRequestTitle,
    trigger: run.trigger as "api",
    execution: run.execution,
    ...(run.status === "FAILED" ? { failureReason: run.failureReason } : {}),
    coverage: run.coverage ?? null,
    createdAt: run.createdAt.toISOString(),
    updatedAt: run.updatedAt.toISOString(),
    startedAt: iso(run.startedAt),
    completedAt: iso(run.completedAt),
  };
}

/** Recent runs the principal can see, newest first, cursor-paginated by id (ids are time-ordered). */
export async function listReviewRuns(ctx: ServiceContext, query: ListRunsQuery) {
  const t = ctx.tables.reviewRuns;
  const visible = await visibleInstallationFilter(ctx, ctx.principal, t.installationId);
  if (visible === null) return { reviewRuns: [], nextCursor: null };
  const rows = await ctx.db
    .select()
    .from(t)
    .where(
      and(
        visible,
        query.repository ? eq(t.repositoryKey, query.repository.toLowerCase()) : undefined,
        query.pullRequestNumber ? eq(t.pullRequestNumber, query.pullRequestNumber) : undefined,
        query.status ? eq(t.status, query.status) : undefined,
        query.verdict ? eq(t.verdict, query.verdict) : undefined,
        query.cursor ? lt(t.id, query.cursor) : undefined,
      ),
    )
    .orderBy(desc(t.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const totals = await findingTotals(ctx, page.map((r) => r.id));
  const remedies = await latestRemedySummaries(ctx, page.map((r) => r.id));
  return {
    reviewRuns: page.map((run) => ({ ...summarizeRun(ctx, run, remedies.get(run.id)), findingsTotal: totals.get(run.id) ?? 0 })),
    nextCursor: rows.length > query.limit ? page[page.length - 1].id : null,
  };
}

async function findingTotals(ctx: AppContext, runIds: string[]): Promise<Map<string, number>> {
  if (runIds.length === 0) return new Map();
  const t = ctx.tables.reviewFindings;
  const rows = await ctx.db.select({ runId: t.runId, total: count() }).from(t).where(inArray(t.runId, runIds)).groupBy(t.runId);
  return new Map(rows.map((r) => [r.runId, Number(r.total)]));
}
