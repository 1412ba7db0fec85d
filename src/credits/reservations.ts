import { and, eq, inArray } from "drizzle-orm";
import type { AppContext } from "../context.ts";
import { notFound } from "../errors.ts";
import { checkMicro, toCredits } from "./amounts.ts";
import { appendEntry, currentBalance, moveBalance } from "./ledger.ts";

export type ReservationStatus = "open" | "settled" | "released";

export interface Reservation {
  id: string;
  userId: string;
  /** Micro-credits held when the reservation was made. */
  amount: number;
  status: ReservationStatus;
  /** What the work finally cost (micro-credits): null while open, 0 when released. */
  charged: number | null;
  reference: string | null;
  createdAt: Date;
  closedAt: Date | null;
}

export interface Closing {
  reservation: Reservation;
  /** Credits given back to the balance (reserved − charged); negative when the work cost more than reserved. */
  difference: number;
  balance: number;
  /** True when the reservation was already closed and this call changed nothing. */
  alreadyClosed: boolean;
}

type ReservationRow = { id: string; userId: string; amount: number; status: string; reference: string | null; createdAt: Date; closedAt: Date | null };

export function toReservation(row: ReservationRow, charged: number | null): Reservation {
  return { ...row, amount: Number(row.amount), status: row.status as ReservationStatus, charged };
}

/**
 * Closes a reservation at its real cost and gives back the difference. Costing more than reserved charges the
 * extra in both modes, even below zero: the work has already been done, so refusing to record it would only
 * lose the charge (enforce mode refuses work up front, at reservation time).
 */
export function settleReservation(ctx: AppContext, input: { reservationId: string; amount: number }): Promise<Closing> {
  checkMicro(input.amount, "amount", { positive: false });
  return closeReservation(ctx, input.reservationId, "settled", input.amount);
}

/** Gives all held credits back (the work did not happen or failed before costing anything). */
export function releaseReservation(ctx: AppContext, reservationId: string): Promise<Closing> {
  return closeReservation(ctx, reservationId, "released", 0);
}

/** Idempotent: the first close wins (a conditional UPDATE on status = 'open'); later ones return that outcome. */
async function closeReservation(ctx: AppContext, id: string, status: "settled" | "released", charged: number): Promise<Closing> {
  const { creditReservations: r } = ctx.tables;
  const closed = await ctx.database.transaction(async (tx) => {
    const [row] = await tx.update(r).set({ status, closedAt: new Date() }).where(and(eq(r.id, id), eq(r.status, "open"))).returning();
    if (!row) return undefined;
    const reserved = Number(row.amount);
    const difference = reserved - charged;
    const balance = (await moveBalance(ctx, tx, row.userId, difference, false))!;
    const memo = status === "settled" ? `reserved ${toCredits(reserved)}, charged ${toCredits(charged)}` : `released ${toCredits(reserved)}`;
    const kind = status === "settled" ? "settle" : "release";
    await appendEntry(ctx, tx, { userId: row.userId, kind, amount: difference, balanceAfter: balance, reservationId: row.id, reference: row.reference, memo });
    return { reservation: toReservation(row, charged), difference, balance, alreadyClosed: false };
  });
  return closed ?? (await existingClosing(ctx, id));
}

async function existingClosing(ctx: AppContext, id: string): Promise<Closing> {
  const reservation = await getReservation(ctx, id);
  const balance = await currentBalance(ctx, ctx.db, reservation.userId);
  const difference = reservation.charged === null ? 0 : reservation.amount - reservation.charged;
  return { reservation, difference, balance, alreadyClosed: true };
}

export async function getReservation(ctx: AppContext, id: string): Promise<Reservation> {
  const { creditReservations: r, creditLedger: l } = ctx.tables;
  const [row] = await ctx.db.select().from(r).where(eq(r.id, id));
  if (!row) throw notFound(`reservation ${id}`);
  if (row.status === "open") return toReservation(row, null);
  const [closing] = await ctx.db
    .select({ amount: l.amount })
    .from(l)
    .where(and(eq(l.reservationId, id), inArray(l.kind, ["settle", "release"])));
  return toReservation(row, Number(row.amount) - Number(closing?.amount ?? row.amount));
}
