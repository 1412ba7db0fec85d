import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { AppContext } from "../context.ts";
import type { Tables } from "../db/client.ts";
import { newId } from "../ids.ts";
import { redactKeys } from "../log.ts";

/**
 * State changes of deliveries and attempts, each a conditional UPDATE … RETURNING (atomic on SQLite and
 * Postgres). `slot` names the one job that may act on a pending delivery: every hand-over (retry, deferral,
 * redelivery) moves it on, so a stale or duplicated job finds a different slot and does nothing.
 */

export type DeliveryRow = Tables["webhookDeliveries"]["$inferSelect"];
export type AttemptRow = Tables["webhookAttempts"]["$inferSelect"];
export type DeliveryStatus = "pending" | "delivered" | "failed" | "cancelled";
export type AttemptOutcome = "delivered" | "retry" | "failed" | "gone" | "interrupted";

const RESPONSE_CAP = 1_024;
const ERROR_CAP = 500;
const clip = (text: string | null | undefined, cap: number) => (text == null ? null : redactKeys(text).slice(0, cap));

export async function getDelivery(ctx: AppContext, id: string): Promise<DeliveryRow | undefined> {
  const t = ctx.tables.webhookDeliveries;
  const [row] = await ctx.db.select().from(t).where(eq(t.id, id));
  return row;
}

/** Inserts a pending delivery, or returns the one already recorded under the same dedupe key. */
export async function insertDelivery(ctx: AppContext, values: Omit<DeliveryRow, "status" | "slot" | "attempts" | "nextAttemptAt" | "lastStatusCode" | "lastError" | "createdAt" | "updatedAt" | "deliveredAt">): Promise<{ row: DeliveryRow; created: boolean }> {
  const t = ctx.tables.webhookDeliveries;
  const now = new Date();
  const [row] = await ctx.db
    .insert(t)
    .values({ ...values, status: "pending", slot: 1, attempts: 0, nextAttemptAt: now, createdAt: now, updatedAt: now })
    .onConflictDoNothing({ target: t.dedupeKey })
    .returning();
  if (row) return { row, created: true };
  const [existing] = await ctx.db.select().from(t).where(eq(t.dedupeKey, values.dedupeKey));
  return { row: existing, created: false };
}

/**
 * Starts attempt number `attempts + 1` if `slot` still owns the pending delivery. An earlier attempt that never
 * got an outcome (its process died mid-request) is marked interrupted: every attempt stays on record.
 */
export async function claimAttempt(ctx: AppContext, row: DeliveryRow, slot: number): Promise<{ row: DeliveryRow; number: number } | undefined> {
  const { webhookDeliveries: t, webhookAttempts: a } = ctx.tables;
  const now = new Date();
  const [claimed] = await ctx.db
    .update(t)
    .set({ attempts: sql`${t.attempts} + 1`, updatedAt: now })
    .where(and(eq(t.id, row.id), eq(t.slot, slot), eq(t.status, "pending")))
    .returning();
  if (!claimed) return undefined;
  // Only a delivery that was attempted before can have an attempt left open by a dead process.
  if (claimed.attempts > 1) {
    await ctx.db
      .update(a)
      .set({ outcome: "interrupted", error: "no outcome: the server stopped during the attempt (it was sent again)" })
      .where(and(eq(a.deliveryId, row.id), isNull(a.outcome)));
  }
  await ctx.db.insert(a).values({ id: newId(), deliveryId: row.id, number: claimed.attempts, startedAt: now }).onConflictDoNothing();
  return { row: claimed, number: claimed.attempts };
}

export interface AttemptReport {
  outcome: AttemptOutcome;
  statusCode?: number;
  latencyMs?: number;
  responseBody?: string;
  error?: string;
}

/**
 * Records the attempt's outcome and moves the delivery on in one transaction: delivered, failed for good, or
 * pending under the next slot at `nextAttemptAt`. Returns the delivery as it now is (undefined if it moved).
 */
export async function finishAttempt(ctx: AppContext, row: DeliveryRow, number: number, report: AttemptReport, nextAttemptAt: Date | null): Promise<DeliveryRow | undefined> {
  const { webhookDeliveries: t, webhookAttempts: a } = ctx.tables;
  const now = new Date();
  const status: DeliveryStatus = report.outcome === "delivered" ? "delivered" : nextAttemptAt ? "pending" : "failed";
  const error = clip(report.error ?? (report.statusCode && report.outcome !== "delivered" ? `HTTP ${report.statusCode}` : null), ERROR_CAP);
  return ctx.database.transaction(async (tx) => {
    await tx
      .update(a)
      .set({ outcome: report.outcome, statusCode: report.statusCode ?? null, latencyMs: report.latencyMs ?? null, responseBody: clip(report.responseBody, RESPONSE_CAP), error })
      .where(and(eq(a.deliveryId, row.id), eq(a.number, number)));
    const [updated] = await tx
      .update(t)
      .set({
        status,
        slot: status === "pending" ? row.slot + 1 : row.slot,
        nextAttemptAt: status === "pending" ? nextAttemptAt : null,
        lastStatusCode: report.statusCode ?? null,
        lastError: status === "delivered" ? null : error,
        deliveredAt: status === "delivered" ? now : null,
        updatedAt: now,
      })
      .where(and(eq(t.id, row.id), eq(t.slot, row.slot), eq(t.status, "pending")))
      .returning();
    return updated;
  });
}

/** Hands a pending delivery to the next slot without an attempt (a deferral); undefined if the slot moved. */
export async function passSlot(ctx: AppContext, row: DeliveryRow, runAt: Date): Promise<DeliveryRow | undefined> {
  const t = ctx.tables.webhookDeliveries;
  const [updated] = await ctx.db
    .update(t)
    .set({ slot: row.slot + 1, nextAttemptAt: runAt, updatedAt: new Date() })
    .where(and(eq(t.id, row.id), eq(t.slot, row.slot), eq(t.status, "pending")))
    .returning();
  return updated;
}

/** Stops pending deliveries (one, or every one of an endpoint) with a reason. */
export async function cancelPending(ctx: AppContext, where: { id: string } | { endpointId: string }, reason: string): Promise<void> {
  const t = ctx.tables.webhookDeliveries;
  const match = "id" in where ? eq(t.id, where.id) : eq(t.endpointId, where.endpointId);
  await ctx.db
    .update(t)
    .set({ status: "cancelled", lastError: clip(reason, ERROR_CAP), nextAttemptAt: null, updatedAt: new Date() })
    .where(and(match, eq(t.status, "pending")));
}

/** Opens a finished delivery for another round of attempts (same id, same body), under a new slot. */
export async function reopenDelivery(ctx: AppContext, row: DeliveryRow, extraAttempts: number): Promise<DeliveryRow | undefined> {
  const t = ctx.tables.webhookDeliveries;
  const now = new Date();
  const [updated] = await ctx.db
    .update(t)
    .set({ status: "pending", slot: row.slot + 1, maxAttempts: row.attempts + extraAttempts, nextAttemptAt: now, deliveredAt: null, updatedAt: now })
    .where(and(eq(t.id, row.id), eq(t.slot, row.slot), inArray(t.status, ["delivered", "failed", "cancelled"])))
    .returning();
  return updated;
}

export async function attemptsOf(ctx: AppContext, deliveryIds: string[]): Promise<AttemptRow[]> {
  if (deliveryIds.length === 0) return [];
  const a = ctx.tables.webhookAttempts;
  return ctx.db.select().from(a).where(inArray(a.deliveryId, deliveryIds)).orderBy(a.deliveryId, a.number);
}
