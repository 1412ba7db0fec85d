import { and, desc, eq, isNull, lt } from "drizzle-orm";
import type { ServiceContext } from "../../../src/context.ts";
import { notFound } from "../../../src/errors.ts";

/**
 * Read-only key lookups of the signed-in user (src/auth/keys.ts has no paginated, owner-scoped listing): the
 * dashboard never sees another user's key. The short-lived keys the server mints for its own coding-agent runs are
 * left out: they are the server's, and revoking one by hand would break that run's model calls.
 */
export interface OwnKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export const KEYS_PER_PAGE = 50;

const columns = (k: ServiceContext["tables"]["apiKeys"]) => ({ id: k.id, name: k.name, prefix: k.prefix, scopes: k.scopes, createdAt: k.createdAt, lastUsedAt: k.lastUsedAt, expiresAt: k.expiresAt, revokedAt: k.revokedAt });

export async function ownKeys(ctx: ServiceContext, cursor: string | undefined): Promise<{ keys: OwnKey[]; nextCursor: string | null }> {
  const k = ctx.tables.apiKeys;
  const runs = ctx.tables.codingAgentRuns;
  const rows = await ctx.db
    .select(columns(k))
    .from(k)
    .leftJoin(runs, eq(runs.runKeyId, k.id))
    .where(and(eq(k.userId, ctx.principal.userId), isNull(runs.id), cursor ? lt(k.id, cursor) : undefined))
    // Ids are time-ordered (src/ids.ts): newest first, and the last id seen is the cursor.
    .orderBy(desc(k.id))
    .limit(KEYS_PER_PAGE + 1);
  const keys = rows.slice(0, KEYS_PER_PAGE);
  return { keys, nextCursor: rows.length > KEYS_PER_PAGE ? keys[keys.length - 1].id : null };
}

/** The user's own key; anyone else's is the same 404 as a key that does not exist. */
export async function ownKey(ctx: ServiceContext, id: string): Promise<OwnKey> {
  const k = ctx.tables.apiKeys;
  const [row] = await ctx.db
    .select(columns(k))
    .from(k)
    .leftJoin(ctx.tables.codingAgentRuns, eq(ctx.tables.codingAgentRuns.runKeyId, k.id))
    .where(and(eq(k.id, id), eq(k.userId, ctx.principal.userId), isNull(ctx.tables.codingAgentRuns.id)));
  if (!row) throw notFound(`API key ${id}`);
  return row;
}
