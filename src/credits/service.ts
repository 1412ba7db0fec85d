import { and, eq, sql } from "drizzle-orm";
import type { AppContext } from "../context.ts";
import type { Db } from "../db/client.ts";
import { AppError } from "../errors.ts";
import { newId } from "../ids.ts";
import { checkMicro, toCredits } from "./amounts.ts";
import { newLease } from "./leases.ts";
import { appendEntry, currentBalance, ensureAccount, type LedgerEntry, moveBalance } from "./ledger.ts";
import { type Reservation, toReservation } from "./reservations.ts";

/**
 * Credits: one balance per user, explained by an append-only ledger. All amounts are micro-credits.
 * `CRITIQUE_CREDITS=track` records every charge and refuses nothing (balances may go negative);
 * `enforce` refuses with 402 any reservation or charge the balance cannot cover.
 */
export type CreditsMode = "track" | "enforce";
export const creditsMode = (ctx: AppContext): CreditsMode => ctx.config.env.CRITIQUE_CREDITS;

export interface Movement {
  /** The balance after this operation. */
  balance: number;
  entry: LedgerEntry;
}

export async function grantCredits(ctx: AppContext, input: { userId: string; amount: number; memo?: string; reference?: string }): Promise<Movement> {
  checkMicro(input.amount, "amount", { positive: true });
  return ctx.database.transaction(async (tx) => {
    await ensureAccount(ctx, tx, input.userId);
    const balance = (await moveBalance(ctx, tx, input.userId, input.amount, false))!;
    const entry = await appendEntry(ctx, tx, { userId: input.userId, kind: "grant", amount: input.amount, balanceAfter: balance, reservationId: null, reference: input.reference ?? null, memo: input.memo ?? null });
    return { balance, entry };
  });
}

export interface Balance {
  /** What can be spent now (open reservations are already taken out). Negative after overruns in track mode. */
  available: number;
  /** Held by open reservations. */
  reserved: number;
  openReservations: number;
}

export async function getBalance(ctx: AppContext, userId: string): Promise<Balance> {
  const { creditReservations: r } = ctx.tables;
  const [held] = await ctx.db
    .select({ total: sql<string | number | null>`sum(${r.amount})`, count: sql<string | number>`count(*)` })
    .from(r)
    .where(and(eq(r.userId, userId), eq(r.status, "open")));
  return { available: await currentBalance(ctx, ctx.db, userId), reserved: Number(held?.total ?? 0), openReservations: Number(held?.count ?? 0) };
}

/** A one-shot charge for work whose cost is known up front. */
export async function chargeCredits(ctx: AppContext, input: { userId: string; amount: number; reference?: string; memo?: string }): Promise<Movement> {
  checkMicro(input.amount, "amount", { positive: false });
  return debitOrRefuse(ctx, input.userId, input.amount, async (tx, balance) => ({
    balance,
    entry: await appendEntry(ctx, tx, { userId: input.userId, kind: "charge", amount: -input.amount, balanceAfter: balance, reservationId: null, reference: input.reference ?? null, memo: input.memo ?? null }),
  }));
}

/**
 * Holds credits for work in flight (a review, a completion, a sandbox run); settle or release it afterwards.
 * By default the hold is this process's (leases.ts): if the process dies with it open, it is reclaimed. Work whose
 * own record settles it after a crash (`heldBy: "record"`, coding-agent runs) is never reclaimed.
 */
export async function reserveCredits(ctx: AppContext, input: { userId: string; amount: number; reference?: string; heldBy?: "process" | "record" }): Promise<Reservation & { balance: number }> {
  checkMicro(input.amount, "amount", { positive: false });
  const lease = input.heldBy === "record" ? { holder: null, leaseExpiresAt: null } : newLease(ctx);
  return debitOrRefuse(ctx, input.userId, input.amount, async (tx, balance) => {
    const row = { id: newId(), userId: input.userId, amount: input.amount, status: "open", reference: input.reference ?? null, ...lease, createdAt: new Date(), closedAt: null };
    await tx.insert(ctx.tables.creditReservations).values(row);
    await appendEntry(ctx, tx, { userId: input.userId, kind: "reserve", amount: -input.amount, balanceAfter: balance, reservationId: row.id, reference: row.reference, memo: null });
    return { ...toReservation(row, null), balance };
  });
}

/**
 * Takes `amount` from the balance and runs `record` in the same transaction. In enforce mode the debit is the
 * conditional UPDATE that refuses to go below what is needed; the refusal is raised after the transaction has
 * committed (nothing was written but the empty account), so no rollback is needed.
 */
async function debitOrRefuse<T>(ctx: AppContext, userId: string, amount: number, record: (tx: Db, balance: number) => Promise<T>): Promise<T> {
  const enforce = creditsMode(ctx) === "enforce";
  const outcome = await ctx.database.transaction(async (tx) => {
    await ensureAccount(ctx, tx, userId);
    const balance = await moveBalance(ctx, tx, userId, -amount, enforce);
    if (balance === undefined) return { refused: true as const, available: await currentBalance(ctx, tx, userId) };
    return { refused: false as const, value: await record(tx, balance) };
  });
  if (outcome.refused) {
    throw new AppError("INSUFFICIENT_CREDITS", `Insufficient credits: needed ${toCredits(amount)}, available ${toCredits(outcome.available)}`);
  }
  return outcome.value;
}
