import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import type { AppContext } from "../../../src/context.ts";
import type { RemedyStage, RemedyStatus } from "./model.ts";

export type RemedyRow = typeof import("../../../db/sqlite.ts").remedyRuns.$inferSelect;

export async function findRemedy(ctx: AppContext, id: string): Promise<RemedyRow | undefined> {
  const t = ctx.tables.remedyRuns;
  const [row] = await ctx.db.select().from(t).where(eq(t.id, id));
  return row;
}

/** The remedy whose fix run, or whose re-review, this is (each belongs to at most one). */
export async function remedyBy(ctx: AppContext, column: "codingAgentRunId" | "followUpReviewRunId", id: string): Promise<RemedyRow | undefined> {
  const t = ctx.tables.remedyRuns;
  const [row] = await ctx.db.select().from(t).where(eq(t[column], id)).limit(1);
  return row;
}

/** The newest remedy of each review run given. */
export async function latestRemedies(ctx: AppContext, reviewRunIds: string[]): Promise<Map<string, RemedyRow>> {
  if (reviewRunIds.length === 0) return new Map();
  const t = ctx.tables.remedyRuns;
  const rows = await ctx.db.select().from(t).where(inArray(t.reviewRunId, reviewRunIds)).orderBy(desc(t.id));
  const latest = new Map<string, RemedyRow>();
  for (const row of rows) if (!latest.has(row.reviewRunId)) latest.set(row.reviewRunId, row);
  return latest;
}

/**
 * Moves a remedy on only from the given statuses and stage (two workers acting on one remedy: one update wins,
 * the other gets nothing back and stops).
 */
export async function transitionRemedy(
  ctx: AppContext,
  id: string,
  from: { statuses: RemedyStatus[]; stage?: RemedyStage; unset?: "followUpReviewRunId" },
  patch: Partial<RemedyRow>,
): Promise<RemedyRow | undefined> {
  const t = ctx.tables.remedyRuns;
  const [row] = await ctx.db
    .update(t)
    .set({ ...patch, updatedAt: new Date() })
    .where(and(eq(t.id, id), inArray(t.status, from.statuses), from.stage ? eq(t.stage, from.stage) : undefined, from.unset ? isNull(t[from.unset]) : undefined))
    .returning();
  return row;
}
