import { and, desc, eq, gte, lt, sql } from "drizzle-orm";
import type { AppContext } from "../context.ts";
import type { Db } from "../db/client.ts";
import { notFound } from "../errors.ts";
import { newId } from "../ids.ts";

/** The building blocks every credit operation composes inside one transaction. Amounts are micro-credits. */

export type LedgerKind = "grant" | "reserve" | "settle" | "release" | "charge";

export interface LedgerEntry {
  id: string;
  userId: string;
  kind: LedgerKind;
  /** Signed: negative takes credits from the balance, positive gives them back or adds them. */
  amount: number;
  balanceAfter: number;
  reservationId: string | null;
  reference: string | null;
  memo: string | null;
  createdAt: Date;
}

/** Creates the user's account at zero on first use; a user that does not exist is a 404, not a foreign-key 500. */
export async function ensureAccount(ctx: AppContext, tx: Db, userId: string): Promise<void> {
  const { creditAccounts, users } = ctx.tables;
  const [account] = await tx.select({ userId: creditAccounts.userId }).from(creditAccounts).where(eq(creditAccounts.userId, userId));
  if (account) return;
  const [user] = await tx.select({ id: users.id }).from(users).where(eq(users.id, userId));
  if (!user) throw notFound(`user ${userId}`);
  await tx.insert(creditAccounts).values({ userId, balance: 0, updatedAt: new Date() }).onConflictDoNothing({ target: creditAccounts.userId });
}

/**
 * Adds `delta` to the balance in one conditional UPDATE … RETURNING, atomic on both dialects: with
 * `mustCover`, a debit only happens while the balance still covers it, so parallel debits can never overdraw.
 * Returns the new balance, or undefined when the balance could not cover the debit.
 */
export async function moveBalance(ctx: AppContext, tx: Db, userId: string, delta: number, mustCover: boolean): Promise<number | undefined> {
  const { creditAccounts } = ctx.tables;
  const cover = mustCover && delta < 0 ? gte(creditAccounts.balance, -delta) : undefined;
  const [row] = await tx
    .update(creditAccounts)
    .set({ balance: sql`${creditAccounts.balance} + ${delta}`, updatedAt: new Date() })
    .where(and(eq(creditAccounts.userId, userId), cover))
    .returning({ balance: creditAccounts.balance });
  return row ? Number(row.balance) : undefined;
}

export async function currentBalance(ctx: AppContext, db: Db, userId: string): Promise<number> {
  const { creditAccounts } = ctx.tables;
  const [row] = await db.select({ balance: creditAccounts.balance }).from(creditAccounts).where(eq(creditAccounts.userId, userId));
  return row ? Number(row.balance) : 0;
}

export async function appendEntry(ctx: AppContext, tx: Db, entry: Omit<LedgerEntry, "id" | "createdAt">): Promise<LedgerEntry> {
  const row = { id: newId(), createdAt: new Date(), ...entry };
  await tx.insert(ctx.tables.creditLedger).values(row);
  return row;
}

export interface LedgerPage {
  entries: LedgerEntry[];
  /** Pass as `cursor` to get the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** Newest first. Ids are time-ordered, so the cursor is simply the last id seen. */
export async function listLedger(ctx: AppContext, input: { userId: string; limit?: number; cursor?: string }): Promise<LedgerPage> {
  const { creditLedger } = ctx.tables;
  const limit = Math.min(Math.max(input.limit ?? 20, 1), 100);
  const rows = await ctx.db
    .select()
    .from(creditLedger)
    .where(and(eq(creditLedger.userId, input.userId), input.cursor ? lt(creditLedger.id, input.cursor) : undefined))
    .orderBy(desc(creditLedger.id))
    .limit(limit + 1);
  const entries = rows.slice(0, limit).map(
    (r): LedgerEntry => ({ ...r, kind: r.kind as LedgerKind, amount: Number(r.amount), balanceAfter: Number(r.balanceAfter) }),
  );
  return { entries, nextCursor: rows.length > limit ? entries[entries.length - 1].id : null };
}
