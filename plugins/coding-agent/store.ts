import { and, eq, inArray } from "drizzle-orm";
import type { AppContext, ServiceContext } from "../../src/context.ts";
import { notFound } from "../../src/errors.ts";
import { appendEvent } from "./events.ts";
import type { RunStatus } from "./model.ts";

export type RunRow = typeof import("../../db/sqlite.ts").codingAgentRuns.$inferSelect;

export async function findRun(ctx: AppContext, id: string): Promise<RunRow | undefined> {
  const t = ctx.tables.codingAgentRuns;
  const [row] = await ctx.db.select().from(t).where(eq(t.id, id));
  return row;
}

/** The caller's run; anyone else's is the same 404 as a run that does not exist. */
export async function ownRun(ctx: ServiceContext, id: string): Promise<RunRow> {
  const row = await findRun(ctx, id);
  if (!row || row.userId !== ctx.principal.userId) throw notFound(`Coding agent run ${id}`);
  return row;
}

/** Moves a run on only from the given statuses (a late writer cannot resurrect a cancelled run). */
export async function transition(ctx: AppContext, id: string, from: RunStatus[], patch: Partial<RunRow>, eventData: Record<string, unknown> = {}): Promise<RunRow | undefined> {
  const t = ctx.tables.codingAgentRuns;
  const [row] = await ctx.db
    .update(t)
    .set({ ...patch, updatedAt: new Date() })
    .where(and(eq(t.id, id), inArray(t.status, from)))
    .returning();
  if (row && patch.status) await appendEvent(ctx, id, "status", { status: row.status, ...(row.failureReason && patch.failureReason ? { reason: row.failureReason } : {}), ...eventData });
  return row;
}

export async function updateRun(ctx: AppContext, id: string, patch: Partial<RunRow>): Promise<RunRow> {
  const t = ctx.tables.codingAgentRuns;
  const [row] = await ctx.db
    .update(t)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(t.id, id))
    .returning();
  return row;
}
