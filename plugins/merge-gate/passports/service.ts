import { and, eq, sql } from "drizzle-orm";
import type { AppContext } from "../../../src/context.ts";
import { newId } from "../../../src/ids.ts";
import { announceSnapshot } from "../change-events.ts";

export type PassportRow = typeof import("../../../db/sqlite.ts").passports.$inferSelect;
export type SnapshotRow = typeof import("../../../db/sqlite.ts").passportSnapshots.$inferSelect;

export interface PassportTarget {
  installationId: string;
  repository: string;
  repositoryKey: string;
  pullRequestNumber: number;
  headSha: string;
  title?: string | null;
}

/**
 * The passport of a pull request, created on first use: one per (installation, repository, pull request), so a
 * repository installed again by someone else starts a new record instead of joining the earlier tenant's.
 */
export async function ensurePassport(ctx: AppContext, target: PassportTarget): Promise<PassportRow> {
  const t = ctx.tables.passports;
  const now = new Date();
  await ctx.db
    .insert(t)
    .values({ id: newId(), installationId: target.installationId, repository: target.repository, repositoryKey: target.repositoryKey, pullRequestNumber: target.pullRequestNumber, title: target.title ?? null, headSha: target.headSha, createdAt: now, updatedAt: now })
    .onConflictDoNothing();
  const [row] = await ctx.db
    .select()
    .from(t)
    .where(and(eq(t.installationId, target.installationId), eq(t.repositoryKey, target.repositoryKey), eq(t.pullRequestNumber, target.pullRequestNumber)));
  return row;
}

export type PassportState = Partial<Pick<PassportRow, "headSha" | "title" | "verdict" | "riskBand" | "riskScore" | "checkpointOutcome" | "policyOutcome" | "latestReviewRunId">>;

/**
 * Records one change: the passport's current state moves forward and an immutable snapshot of it is appended.
 * The sequence number comes from the same atomic UPDATE, so concurrent changes never share one.
 */
export async function appendSnapshot(
  ctx: AppContext,
  passportId: string,
  change: { kind: "review" | "checkpoint" | "policy" | "remedy"; refId: string; headSha: string; state: PassportState; detail: Record<string, unknown> },
): Promise<{ passport: PassportRow; snapshot: SnapshotRow }> {
  const { passports: p, passportSnapshots: s } = ctx.tables;
  const result = await ctx.database.transaction(async (tx) => {
    const defined = Object.fromEntries(Object.entries(change.state).filter(([, v]) => v !== undefined));
    const [passport] = await tx
      .update(p)
      .set({ ...defined, snapshotCount: sql`${p.snapshotCount} + 1`, updatedAt: new Date() })
      .where(eq(p.id, passportId))
      .returning();
    const snapshot = {
      id: newId(),
      passportId,
      sequence: passport.snapshotCount,
      kind: change.kind,
      refId: change.refId,
      headSha: change.headSha,
      state: { ...currentState(passport), ...change.detail },
      createdAt: new Date(),
    };
    await tx.insert(s).values(snapshot);
    return { passport, snapshot };
  });
  await announceSnapshot(ctx, result.passport, result.snapshot);
  return result;
}

export function currentState(passport: PassportRow) {
  return {
    headSha: passport.headSha,
    verdict: passport.verdict,
    riskBand: passport.riskBand,
    riskScore: passport.riskScore,
    checkpointOutcome: passport.checkpointOutcome,
    policyOutcome: passport.policyOutcome,
    latestReviewRunId: passport.latestReviewRunId,
  };
}
