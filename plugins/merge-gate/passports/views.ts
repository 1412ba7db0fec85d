import { and, asc, desc, eq, gte, lt, or } from "drizzle-orm";
import type { AppContext, ServiceContext } from "../../../src/context.ts";
import { notFound, validation } from "../../../src/errors.ts";
import { canSeeInstallation, visibleInstallationFilter } from "../../../src/github/installations.ts";
import { passportUrls } from "../links.ts";
import type { PassportRow } from "./service.ts";

export interface ListPassportsQuery {
  repository?: string;
  policyOutcome?: "allow" | "require_approval" | "block";
  riskBand?: "low" | "medium" | "high" | "critical";
  updatedSince?: string;
  limit: number;
  cursor?: string;
}

export function passportView(ctx: AppContext, row: PassportRow) {
  return {
    passportId: row.id,
    repository: row.repository,
    pullRequestNumber: row.pullRequestNumber,
    title: row.title,
    headSha: row.headSha,
    verdict: row.verdict as "PASS" | "WARN" | "FAIL" | null,
    riskBand: row.riskBand as "low" | "medium" | "high" | "critical" | null,
    riskScore: row.riskScore,
    checkpointOutcome: row.checkpointOutcome as "block" | "warn" | "pass" | null,
    policyOutcome: row.policyOutcome as "allow" | "require_approval" | "block" | null,
    latestReviewRunId: row.latestReviewRunId,
    snapshotCount: row.snapshotCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    urls: passportUrls(ctx, row.id),
  };
}

/** Most recently changed first; the cursor is (updatedAt, id) of the last row, so ties never skip a passport. */
export async function listPassports(ctx: ServiceContext, query: ListPassportsQuery) {
  const t = ctx.tables.passports;
  const visible = await visibleInstallationFilter(ctx, ctx.principal, t.installationId);
  if (visible === null) return { passports: [], nextCursor: null };
  let after: { at: Date; id: string } | undefined;
  if (query.cursor) {
    const [ms, id] = query.cursor.split("_");
    if (!/^\d+$/.test(ms ?? "") || !id) throw validation("cursor: not a cursor returned by this endpoint");
    after = { at: new Date(Number(ms)), id };
  }
  const since = query.updatedSince ? new Date(query.updatedSince) : undefined;
  const rows = await ctx.db
    .select()
    .from(t)
    .where(
      and(
        visible,
        query.repository ? eq(t.repositoryKey, query.repository.toLowerCase()) : undefined,
        query.policyOutcome ? eq(t.policyOutcome, query.policyOutcome) : undefined,
        query.riskBand ? eq(t.riskBand, query.riskBand) : undefined,
        since ? gte(t.updatedAt, since) : undefined,
        after ? or(lt(t.updatedAt, after.at), and(eq(t.updatedAt, after.at), lt(t.id, after.id))) : undefined,
      ),
    )
    .orderBy(desc(t.updatedAt), desc(t.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { passports: page.map((row) => passportView(ctx, row)), nextCursor: rows.length > query.limit && last ? `${last.updatedAt.getTime()}_${last.id}` : null };
}

export async function getVisiblePassport(ctx: ServiceContext, id: string): Promise<PassportRow> {
  const [row] = await ctx.db.select().from(ctx.tables.passports).where(eq(ctx.tables.passports.id, id));
  if (!row || !(await canSeeInstallation(ctx, ctx.principal, row.installationId))) throw notFound(`Passport ${id}`);
  return row;
}

/**
 * Everything linked to the passport: snapshots (the timeline), review runs by SHA, checkpoints, policy evaluations.
 * Runs and checkpoints are the passport's installation's only: an earlier or later tenant of the repository has its own.
 */
export async function passportRecord(ctx: ServiceContext, passport: PassportRow) {
  const { passportSnapshots: s, reviewRuns: r, checkpoints: c, policyEvaluations: p } = ctx.tables;
  const [snapshots, runs, checkpoints, evaluations] = await Promise.all([
    ctx.db.select().from(s).where(eq(s.passportId, passport.id)).orderBy(asc(s.sequence)),
    ctx.db.select().from(r).where(and(eq(r.installationId, passport.installationId), eq(r.repositoryKey, passport.repositoryKey), eq(r.pullRequestNumber, passport.pullRequestNumber))).orderBy(asc(r.id)),
    ctx.db.select().from(c).where(and(eq(c.installationId, passport.installationId), eq(c.repositoryKey, passport.repositoryKey), eq(c.pullRequestNumber, passport.pullRequestNumber))).orderBy(asc(c.id)),
    ctx.db.select().from(p).where(eq(p.passportId, passport.id)).orderBy(asc(p.createdAt), asc(p.id)),
  ]);
  return { snapshots, runs, checkpoints, evaluations };
}

export async function passportWithTimeline(ctx: ServiceContext, id: string) {
  const passport = await getVisiblePassport(ctx, id);
  const { snapshots, runs, checkpoints, evaluations } = await passportRecord(ctx, passport);
  return {
    ...passportView(ctx, passport),
    timeline: snapshots.map((x) => ({ sequence: x.sequence, kind: x.kind, refId: x.refId, headSha: x.headSha, state: x.state, createdAt: x.createdAt.toISOString() })),
    reviewRuns: runs.map((x) => ({ reviewRunId: x.id, headSha: x.headSha, status: x.status, verdict: x.verdict, execution: x.execution, completedAt: x.completedAt?.toISOString() ?? null })),
    checkpoints: checkpoints.map((x) => ({ checkpointId: x.id, headSha: x.headSha, status: x.status, outcome: x.outcome, completedAt: x.completedAt?.toISOString() ?? null })),
    policyEvaluations: evaluations.map((x) => ({ id: x.id, headSha: x.headSha, outcome: x.outcome as "allow" | "require_approval" | "block", reasons: x.reasons, reviewRunId: x.reviewRunId, checkpointId: x.checkpointId, createdAt: x.createdAt.toISOString() })),
  };
}
