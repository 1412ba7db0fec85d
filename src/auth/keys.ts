import { desc, eq, sql } from "drizzle-orm";
import type { AppContext, KeyInferenceSettings, Principal } from "../context.ts";
import { AppError, notFound, validation } from "../errors.ts";
import { newId } from "../ids.ts";
import { KeyCache } from "./key-cache.ts";
import { displayPrefix, generateKey, hashKey, isWellFormedKey } from "./key-format.ts";
import { isScope, type Scope } from "./scopes.ts";
import { ensureUser } from "./users.ts";

export interface KeyInfo {
  id: string;
  name: string;
  user: string;
  scopes: string[];
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  /** Inference API settings (see KeyInferenceSettings). */
  trainingOptIn: boolean;
  allowedModels: string[] | null;
  rpmLimit: number | null;
}

export interface CreateKeyInput extends Partial<KeyInferenceSettings> {
  name: string;
  user: string;
  scopes: string[];
  expiresAt?: Date;
}

/** Mints a key. The plain key is in the result once and nowhere else, ever. */
export async function createKey(ctx: AppContext, input: CreateKeyInput): Promise<KeyInfo & { key: string }> {
  if (!input.name.trim()) throw validation("name: must not be empty");
  if (!input.user.trim()) throw validation("user: must not be empty");
  const unknown = input.scopes.filter((s) => !isScope(s));
  if (unknown.length) throw validation(`scopes: unknown scope ${unknown.map((s) => `"${s}"`).join(", ")}`);
  if (input.scopes.length === 0) throw validation("scopes: at least one scope is required");
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw validation("expiresAt: must be in the future");
  if (input.rpmLimit != null && (!Number.isSafeInteger(input.rpmLimit) || input.rpmLimit < 1)) throw validation("rpmLimit: must be a whole number of at least 1");
  const allowedModels = input.allowedModels ? [...new Set(input.allowedModels.map((m) => m.trim()).filter(Boolean))] : null;
  if (allowedModels?.length === 0) throw validation("allowedModels: name at least one model, or leave it out to allow every model");

  const user = await ensureUser(ctx, input.user.trim());
  const key = generateKey();
  const row = {
    id: newId(),
    userId: user.id,
    name: input.name.trim(),
    hash: hashKey(key),
    prefix: displayPrefix(key),
    scopes: [...new Set(input.scopes)],
    createdAt: new Date(),
    expiresAt: input.expiresAt ?? null,
    trainingOptIn: input.trainingOptIn ?? false,
    allowedModels,
    rpmLimit: input.rpmLimit ?? null,
    upstreamCredential: input.upstreamCredential ?? null,
  };
  await ctx.db.insert(ctx.tables.apiKeys).values(row);
  return { ...toInfo({ ...row, lastUsedAt: null, revokedAt: null }, user.name), key };
}

export async function listKeys(ctx: AppContext, filter: { user?: string } = {}): Promise<KeyInfo[]> {
  const { apiKeys, users } = ctx.tables;
  const rows = await ctx.db
    .select({ key: apiKeys, userName: users.name })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(filter.user ? eq(users.name, filter.user) : undefined)
    .orderBy(desc(apiKeys.createdAt));
  return rows.map((r) => toInfo(r.key, r.userName));
}

export async function revokeKey(ctx: AppContext, id: string): Promise<KeyInfo> {
  const { apiKeys, users } = ctx.tables;
  const [row] = await ctx.db.select({ key: apiKeys, userName: users.name }).from(apiKeys).innerJoin(users, eq(users.id, apiKeys.userId)).where(eq(apiKeys.id, id));
  if (!row) throw notFound(`API key ${id}`);
  if (row.key.revokedAt) return toInfo(row.key, row.userName);
  const revokedAt = new Date();
  await ctx.db.update(apiKeys).set({ revokedAt }).where(eq(apiKeys.id, id));
  forgetCachedKeys(ctx);
  return toInfo({ ...row.key, revokedAt }, row.userName);
}

/** `last_used_at` is written at most this often per key, so authentication stays a read on the hot path. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The key lookup an authenticated request makes when its key is not cached, prepared once per database: building
 * the query with drizzle's builder costs several times the indexed lookup itself (bench/server.ts).
 */
function prepareKeyLookup(ctx: AppContext) {
  const { apiKeys, users } = ctx.tables;
  return ctx.db
    .select({
      id: apiKeys.id,
      scopes: apiKeys.scopes,
      userId: apiKeys.userId,
      // A scalar subquery, not a join: SQLite runs this lookup about three times faster (bench/server.ts), and
      // the foreign key guarantees the user exists (a missing one still reads as an invalid key below).
      userName: sql<string | null>`(select ${users.name} from ${users} where ${users.id} = ${apiKeys.userId})`,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
      lastUsedAt: apiKeys.lastUsedAt,
      trainingOptIn: apiKeys.trainingOptIn,
      allowedModels: apiKeys.allowedModels,
      rpmLimit: apiKeys.rpmLimit,
      upstreamCredential: apiKeys.upstreamCredential,
    })
    .from(apiKeys)
    .where(eq(apiKeys.hash, sql.placeholder("hash")))
    .prepare();
}
type KeyRow = NonNullable<Awaited<ReturnType<ReturnType<typeof prepareKeyLookup>["execute"]>>[number]>;

/**
 * How long a key verified on Postgres is trusted without news of it. Changes arrive as notifications within
 * milliseconds; this bounds what a change can miss while the listening connection is down and reconnecting.
 */
const NOTIFIED_MAX_AGE_MS = 5_000;

/** Per database: the prepared lookup and the cache in front of it (key-cache.ts). */
const keyReaders = new WeakMap<AppContext["db"], { lookup: ReturnType<typeof prepareKeyLookup>; cache: KeyCache<KeyRow> }>();
function keyReader(ctx: AppContext) {
  let reader = keyReaders.get(ctx.db);
  if (!reader) {
    const { externalVersion, onKeyChange } = ctx.database;
    const cache = new KeyCache<KeyRow>(externalVersion, undefined, onKeyChange ? NOTIFIED_MAX_AGE_MS : undefined);
    reader = { lookup: prepareKeyLookup(ctx), cache };
    keyReaders.set(ctx.db, reader);
    onKeyChange?.((hash) => (hash ? cache.forget(hash) : cache.clear()), () => cache.listening()).catch((error) =>
      ctx.log.warn({ err: error }, "keys: cannot listen for key changes; every request reads its key from the database"),
    );
  }
  return reader;
}

/** Every write to keys or their users outside this module's functions must call this (tests that edit rows directly). */
export function forgetCachedKeys(ctx: AppContext): void {
  keyReaders.get(ctx.db)?.cache.clear();
}

/** How many keys this process holds verified in memory (tests, diagnostics). */
export function cachedKeyCount(ctx: AppContext): number {
  return keyReaders.get(ctx.db)?.cache.size ?? 0;
}

/** The key's row: from the cache, else from the database if the key is well-formed (only then worth a query). */
async function readKey(ctx: AppContext, rawKey: string, now: number): Promise<KeyRow | undefined> {
  const { lookup, cache } = keyReader(ctx);
  const hash = hashKey(rawKey);
  const cached = cache.get(hash, now);
  if (cached || !isWellFormedKey(rawKey)) return cached;
  const ticket = cache.ticket();
  const [row] = await lookup.execute({ hash });
  if (row && row.userName !== null && !row.revokedAt) cache.remember(ticket, hash, row, now);
  return row;
}

/**
 * Resolves a bearer key to its principal. Every failure is the same 401 (we do not tell an attacker whether a
 * key exists); malformed keys are refused before touching the database.
 */
export async function authenticate(ctx: AppContext, rawKey: string | undefined): Promise<Principal> {
  if (!rawKey) throw new AppError("UNAUTHORIZED", "Missing API key: send Authorization: Bearer crt_…", { "WWW-Authenticate": 'Bearer realm="critique"' });
  const invalid = () => new AppError("UNAUTHORIZED", "Invalid, expired or revoked API key", { "WWW-Authenticate": 'Bearer realm="critique", error="invalid_token"' });
  const now = Date.now();
  const row = await readKey(ctx, rawKey, now);
  if (!row || row.userName === null || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= now)) throw invalid();

  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    // The cached row is updated too: this process's own write does not clear the cache (nothing that matters changed).
    row.lastUsedAt = new Date(now);
    await ctx.db.update(ctx.tables.apiKeys).set({ lastUsedAt: row.lastUsedAt }).where(eq(ctx.tables.apiKeys.id, row.id));
  }
  const inference = { trainingOptIn: row.trainingOptIn, allowedModels: row.allowedModels, rpmLimit: row.rpmLimit, upstreamCredential: row.upstreamCredential };
  return { userId: row.userId, userName: row.userName, keyId: row.id, scopes: row.scopes, inference };
}

export function requireScopes(principal: Principal, required: readonly Scope[]): void {
  const missing = required.filter((s) => !principal.scopes.includes(s) && !principal.scopes.includes("admin"));
  if (missing.length) throw new AppError("FORBIDDEN", `API key lacks required scope: ${missing.join(", ")}`);
}

function toInfo(
  row: { id: string; name: string; scopes: string[]; prefix: string; createdAt: Date; lastUsedAt: Date | null; expiresAt: Date | null; revokedAt: Date | null } & KeyInferenceSettings,
  user: string,
): KeyInfo {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: row.id,
    name: row.name,
    user,
    scopes: row.scopes,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: iso(row.lastUsedAt),
    expiresAt: iso(row.expiresAt),
    revokedAt: iso(row.revokedAt),
    trainingOptIn: row.trainingOptIn,
    allowedModels: row.allowedModels,
    rpmLimit: row.rpmLimit,
  };
}
