import { lt, sql } from "drizzle-orm";
import type { Redis } from "ioredis";
import type { AppContext } from "../../src/context.ts";

/**
 * Requests per minute per key, counted in fixed one-minute windows shared by every server process: in Redis when
 * REDIS_URL is set (INCR + PEXPIRE in one round trip), otherwise in the database (one atomic upsert that returns
 * the new count, on SQLite and Postgres alike). Counting in-process would let N processes allow N times the
 * limit. Only keys that have a limit pay for this; the rest skip it. A fixed window can let up to twice the limit
 * through across a window edge, the usual trade for one counter per key.
 */
export interface RateDecision {
  allowed: boolean;
  /** Seconds until the window resets (for Retry-After). */
  retryAfterS: number;
}

export interface RateLimiter {
  hit(keyId: string, limit: number): Promise<RateDecision>;
}

const WINDOW_MS = 60_000;

function decide(count: number, limit: number, windowStart: number): RateDecision {
  return { allowed: count <= limit, retryAfterS: Math.max(1, Math.ceil((windowStart + WINDOW_MS - Date.now()) / 1000)) };
}

export function createRateLimiter(ctx: AppContext): RateLimiter {
  return ctx.config.env.REDIS_URL ? redisLimiter(ctx, ctx.config.env.REDIS_URL) : databaseLimiter(ctx);
}

function redisLimiter(ctx: AppContext, url: string): RateLimiter {
  let client: Promise<Redis> | undefined;
  const prefix = `${ctx.config.env.CRITIQUE_REDIS_PREFIX}:rpm`;
  // ioredis loads with the first limited request: a server without limited keys never pays for it.
  const connect = async () => {
    const { Redis } = await import("ioredis");
    const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
    redis.on("error", (error) => ctx.log.warn({ err: error }, "inference rate limiter: redis error"));
    ctx.closers.push(async () => void (await redis.quit().catch(() => redis.disconnect())));
    return redis;
  };
  return {
    async hit(keyId, limit) {
      const windowStart = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS;
      const key = `${prefix}:${keyId}:${windowStart}`;
      client ??= connect();
      const results = await (await client).multi().incr(key).pexpire(key, WINDOW_MS * 2).exec();
      const count = Number(results?.[0]?.[1] ?? 0);
      return decide(count, limit, windowStart);
    },
  };
}

function databaseLimiter(ctx: AppContext): RateLimiter {
  const { rateLimitWindows: w } = ctx.tables;
  let lastSweep = 0;
  return {
    async hit(keyId, limit) {
      const now = Date.now();
      const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
      const [row] = await ctx.db
        .insert(w)
        .values({ id: `${keyId}:${windowStart}`, count: 1, expiresAt: new Date(windowStart + WINDOW_MS * 2) })
        .onConflictDoUpdate({ target: w.id, set: { count: sql`${w.count} + 1` } })
        .returning({ count: w.count });
      // Old windows are swept at most once a minute per process.
      if (now - lastSweep > WINDOW_MS) {
        lastSweep = now;
        await ctx.db.delete(w).where(lt(w.expiresAt, new Date(now)));
      }
      return decide(Number(row.count), limit, windowStart);
    },
  };
}
