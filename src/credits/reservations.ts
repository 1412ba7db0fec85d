import { and, eq, inArray, lt } from "drizzle-orm";
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
  /** The process holding it (leases.ts); null for holds a record owns, which are never reclaimed. */
  holder: string | null;
  leaseExpiresAt: Date | null;
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
  /** Micro-credits the work cost beyond its hold that enforce mode did not charge (0 when nothing was capped). */
  capped: number;
}

type ReservationRow = Omit<Reservation, "amount" | "status" | "charged"> & { amount: number; status: string };

export function toReservation(row: ReservationRow, charged: number | null): Reservation {
  return { ...row, amount: Number(row.amount), status: row.status as ReservationStatus, charged };
}

/**
 * Closes a reservation at its real cost and gives back the difference. Costing more than reserved: track mode
 * charges the extra, even below zero (the work was done; refusing to record it would only lose the charge);
 * enforce mode charges the hold and no more, so a balance never goes below zero, and says so in the ledger memo
 * and the log. Holders reserve the worst case, so that only happens when an upstream reports more than it.
 */
export function settleReservation(ctx: AppContext, input: { reservationId: string; amount: number }): Promise<Closing> {
  checkMicro(input.amount, "amount", { positive: false });
  return closeReservation(ctx, input.reservationId, "settled", input.amount);
}

/** Gives all held credits back (the work did not happen or failed before costing anything). */
export function releaseReservation(ctx: AppContext, reservationId: string): Promise<Closing> {
  return closeReservation(ctx, reservationId, "released", 0);
}

export interface CloseOptions {
  /** Only while the hold's lease ended before this time (reclaim: a holder that renewed in between keeps it). */
  leaseEndedBefore?: Date;
  /** Said before the ledger memo (why it was closed by someone other than its holder). */
  memoPrefix?: string;
}

/**
 * Idempotent: the first close wins (a conditional UPDATE on status = 'open'); later ones, and a reclaim whose
 * `leaseEndedBefore` did not hold, return the reservation as it is with `alreadyClosed`.
 */
export async function closeReservation(ctx: AppContext, id: string, status: "settled" | "released", requested: number, options: CloseOptions = {}): Promise<Closing> {
  const { creditReservations: r } = ctx.tables;
  const expired = options.leaseEndedBefore ? lt(r.leaseExpiresAt, options.leaseEndedBefore) : undefined;
  const closed = await ctx.database.transaction(async (tx) => {
    const [row] = await tx.update(r).set({ status, closedAt: new Date() }).where(and(eq(r.id, id), eq(r.status, "open"), expired)).returning();
    if (!row) return undefined;
    const reserved = Number(row.amount);
    const charged = ctx.config.env.CRITIQUE_CREDITS === "enforce" ? Math.min(requested, reserved) : requested;
    const difference = reserved - charged;
    const balance = (await moveBalance(ctx, tx, row.userId, difference, false))!;
    const cappedNote = charged < requested ? ` (capped at the hold: the work cost ${toCredits(requested)})` : "";
    const memo = `${options.memoPrefix ?? ""}${status === "settled" ? `reserved ${toCredits(reserved)}, charged ${toCredits(charged)}${cappedNote}` : `released ${toCredits(reserved)}`}`;
    const kind = status === "settled" ? "settle" : "release";
    await appendEntry(ctx, tx, { userId: row.userId, kind, amount: difference, balanceAfter: balance, reservationId: row.id, reference: row.reference, memo });
    return { reservation: toReservation(row, charged), difference, balance, alreadyClosed: false, capped: requested - charged };
  });
  if (closed?.capped) {
    const { reservation } = closed;
    ctx.log.warn({ reservation: reservation.id, reference: reservation.reference, reserved: reservation.amount, cost: requested }, "credits: the work cost more than its hold; enforce mode charged the hold");
  }
  return closed ?? (await existingClosing(ctx, id));
}

async function existingClosing(ctx: AppContext, id: string): Promise<Closing> {
  const reservation = await getReservation(ctx, id);
  const balance = await currentBalance(ctx, ctx.db, reservation.userId);
  const difference = reservation.charged === null ? 0 : reservation.amount - reservation.charged;
  return { reservation, difference, balance, alreadyClosed: true, capped: 0 };
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
