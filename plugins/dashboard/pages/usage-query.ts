import { type AnyColumn, and, count, eq, gte, inArray, isNull, ne, or, type SQL, sql, sum } from "drizzle-orm";
import type { AppContext } from "../../../src/context.ts";

/**
 * Credits used per UTC day over the last `USAGE_DAYS` days, read-only, aggregated in the database:
 * - Inference API tokens from `inference_usage` (one row per completion, with its model); the calls a
 *   coding-agent run makes with its own run key count as "coding agent".
 * - Reviews and coding-agent sandbox time from the ledger: a settled reservation costs what it held minus what it
 *   gave back (reference `review:<run>:<execution>` or `coding-agent:<run>`), a one-shot charge its amount. The
 *   ledger's `inference` blocks are left out: the same tokens are counted per call from `inference_usage`.
 * Open reservations are not usage yet (the balance shows them as reserved).
 */
export const USAGE_DAYS = 30;
export const DAY_MS = 24 * 60 * 60_000;
export const SURFACES = ["inference", "reviews", "coding agent", "other"] as const;
export type Surface = (typeof SURFACES)[number];

export interface ModelTotals {
  model: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cost: number;
}

export interface Usage {
  /** UTC days, oldest first (YYYY-MM-DD). */
  days: string[];
  /** Micro-credits per day, one array (aligned with `days`) per series. */
  bySurface: Map<Surface, number[]>;
  byModel: Map<string, number[]>;
  models: ModelTotals[];
  total: number;
}

/** Whole days since the epoch (UTC) of a timestamp column: SQLite stores milliseconds, Postgres timestamptz. */
function dayOf(ctx: AppContext, column: AnyColumn): SQL<string | number> {
  return ctx.database.dialect === "postgres" ? sql`floor(extract(epoch from ${column}) / 86400)` : sql`(${column} / 86400000)`;
}

export async function usageByDay(ctx: AppContext, userId: string, now = Date.now()): Promise<Usage> {
  const first = Math.floor(now / DAY_MS) - (USAGE_DAYS - 1);
  const since = new Date(first * DAY_MS);
  const days = Array.from({ length: USAGE_DAYS }, (_, i) => new Date((first + i) * DAY_MS).toISOString().slice(0, 10));
  const usage: Usage = { days, bySurface: new Map(), byModel: new Map(), models: [], total: 0 };
  const add = <K>(map: Map<K, number[]>, key: K, day: number, amount: number) => {
    const index = day - first;
    if (index < 0 || index >= USAGE_DAYS || amount === 0) return;
    if (!map.has(key)) map.set(key, new Array(USAGE_DAYS).fill(0));
    map.get(key)![index] += amount;
  };

  const u = ctx.tables.inferenceUsage;
  const uDay = dayOf(ctx, u.createdAt);
  const calls = await ctx.db
    .select({ day: uDay, model: u.model, keyId: u.keyId, cost: sum(u.cost), prompt: sum(u.promptTokens), completion: sum(u.completionTokens), requests: count() })
    .from(u)
    .where(and(eq(u.userId, userId), gte(u.createdAt, since)))
    .groupBy(uDay, u.model, u.keyId);
  const runKeys = calls.length ? await runKeyIds(ctx, userId, new Date(since.getTime() - DAY_MS)) : new Set<string>();
  const models = new Map<string, ModelTotals>();
  for (const c of calls) {
    const cost = Number(c.cost ?? 0);
    add(usage.bySurface, runKeys.has(c.keyId) ? "coding agent" : "inference", Number(c.day), cost);
    add(usage.byModel, c.model, Number(c.day), cost);
    const totals = models.get(c.model) ?? { model: c.model, requests: 0, promptTokens: 0, completionTokens: 0, cost: 0 };
    totals.requests += Number(c.requests);
    totals.promptTokens += Number(c.prompt ?? 0);
    totals.completionTokens += Number(c.completion ?? 0);
    totals.cost += cost;
    models.set(c.model, totals);
  }
  usage.models = [...models.values()].sort((a, b) => b.cost - a.cost || b.requests - a.requests);

  const l = ctx.tables.creditLedger;
  const r = ctx.tables.creditReservations;
  const lDay = dayOf(ctx, l.createdAt);
  const surface = sql<string>`case when ${l.reference} like 'review:%' then 'reviews' when ${l.reference} like 'coding-agent:%' then 'coding agent' else 'other' end`;
  const charged = sql<string | number | null>`sum(case when ${l.kind} = 'settle' then ${r.amount} - ${l.amount} else 0 - ${l.amount} end)`;
  const ledger = await ctx.db
    .select({ day: lDay, surface, charged })
    .from(l)
    .leftJoin(r, eq(r.id, l.reservationId))
    .where(and(eq(l.userId, userId), gte(l.createdAt, since), inArray(l.kind, ["settle", "charge"]), or(isNull(l.reference), ne(l.reference, "inference"))))
    .groupBy(lDay, surface);
  for (const row of ledger) add(usage.bySurface, row.surface as Surface, Number(row.day), Number(row.charged ?? 0));

  for (const values of usage.bySurface.values()) for (const v of values) usage.total += v;
  return usage;
}

/** The run keys of the user's coding-agent runs that could have made calls since `since` (a key lives at most a day). */
async function runKeyIds(ctx: AppContext, userId: string, since: Date): Promise<Set<string>> {
  const t = ctx.tables.codingAgentRuns;
  const rows = await ctx.db
    .select({ id: t.runKeyId })
    .from(t)
    .where(and(eq(t.userId, userId), gte(t.createdAt, since)));
  return new Set(rows.flatMap((row) => (row.id ? [row.id] : [])));
}
