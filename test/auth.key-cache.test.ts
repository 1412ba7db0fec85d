import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { KeyCache } from "../src/auth/key-cache.ts";
import { hashKey } from "../src/auth/key-format.ts";
import { authenticate, cachedKeyCount, createKey, forgetCachedKeys, revokeKey } from "../src/auth/keys.ts";
import { loadConfig } from "../src/config/index.ts";
import type { AppContext } from "../src/context.ts";
import { createLogger } from "../src/log.ts";
import { createContext } from "../src/runtime.ts";
import { createBackends, type TestBackends } from "./helpers/databases.ts";

describe("KeyCache", () => {
  const setup = () => {
    let version = 1;
    const cache = new KeyCache<string>(() => version, 2, 1_000);
    return { cache, bump: () => version++ };
  };

  test("serves what it remembered while the database's external version stays the same", () => {
    const { cache } = setup();
    expect(cache.get("a", 0)).toBeUndefined();
    cache.remember(cache.ticket(), "a", "row-a", 0);
    expect(cache.get("a", 10)).toBe("row-a");
  });

  test("drops everything when another connection committed", () => {
    const { cache, bump } = setup();
    cache.get("a", 0);
    cache.remember(cache.ticket(), "a", "row-a", 0);
    bump();
    // Read at most once every 10 ms: the change is seen from then on.
    expect(cache.get("a", 9)).toBe("row-a");
    expect(cache.get("a", 10)).toBeUndefined();
  });

  test("a row read before a clear is not remembered after it", () => {
    const { cache } = setup();
    cache.get("a", 0);
    const ticket = cache.ticket();
    cache.clear();
    cache.remember(ticket, "a", "stale", 0);
    expect(cache.get("a", 1)).toBeUndefined();
  });

  test("holds at most maxEntries rows, each for at most maxAgeMs", () => {
    const { cache } = setup();
    cache.get("a", 0);
    for (const hash of ["a", "b", "c"]) cache.remember(cache.ticket(), hash, `row-${hash}`, 0);
    expect(cache.get("a", 1)).toBeUndefined();
    expect(cache.get("c", 1)).toBe("row-c");
    expect(cache.get("c", 1_001)).toBeUndefined();
  });

  test("caches nothing for a database without an external version until told that notifications flow", () => {
    const cache = new KeyCache<string>(undefined);
    cache.remember(cache.ticket(), "a", "row-a", 0);
    expect(cache.get("a", 0)).toBeUndefined();
    cache.listening();
    cache.remember(cache.ticket(), "a", "row-a", 0);
    expect(cache.get("a", 0)).toBe("row-a");
  });

  test("a notified change drops that key only, and a row read before it is not remembered after it", () => {
    const cache = new KeyCache<string>(undefined);
    cache.listening();
    for (const hash of ["a", "b"]) cache.remember(cache.ticket(), hash, `row-${hash}`, 0);
    const ticket = cache.ticket();
    cache.forget("a");
    expect(cache.get("a", 1)).toBeUndefined();
    expect(cache.get("b", 1)).toBe("row-b");
    cache.remember(ticket, "a", "stale", 1);
    expect(cache.get("a", 2)).toBeUndefined();
  });

  test("listening again (after a reconnect, when notifications may have been lost) starts from empty", () => {
    const cache = new KeyCache<string>(undefined);
    cache.listening();
    cache.remember(cache.ticket(), "a", "row-a", 0);
    cache.listening();
    expect(cache.get("a", 1)).toBeUndefined();
  });
});

describe("authentication with the key cache", () => {
  let backends: TestBackends;
  let ctx: AppContext;
  /** A second context on the same database: what another process (the CLI, a second server) sees and writes. */
  let other: AppContext;

  beforeAll(async () => {
    backends = await createBackends();
    ctx = await createContext(loadConfig(backends.env), createLogger("silent"));
    other = await createContext(loadConfig(backends.env), createLogger("silent"));
  });
  afterAll(async () => {
    await other.database.close();
    await ctx.database.close();
    await backends.dispose();
  });

  const newKey = (name: string) => createKey(ctx, { name, user: "cache-test", scopes: ["inference"] });

  /**
   * Authenticates until every key is held in memory and stays there: on Postgres caching starts once notifications
   * flow, and a key's first use writes last_used_at, which notifies (and drops the key) like any other change.
   */
  async function holdInMemory(...keys: string[]): Promise<void> {
    forgetCachedKeys(ctx);
    const deadline = Date.now() + 5_000;
    for (;;) {
      for (const key of keys) await authenticate(ctx, key);
      await Bun.sleep(50);
      if (cachedKeyCount(ctx) === keys.length) return;
      if (Date.now() > deadline) throw new Error("the keys were never all held in memory");
    }
  }

  /** Another process's change reaches this one within 10 ms on SQLite (data_version); on Postgres as a notification. */
  async function expectRefusedSoon(key: string): Promise<void> {
    if (ctx.database.dialect === "sqlite") await Bun.sleep(11);
    else {
      const deadline = Date.now() + 2_000;
      while (Date.now() < deadline && (await authenticate(ctx, key).then(() => true, () => false))) await Bun.sleep(5);
    }
    await expect(authenticate(ctx, key)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  }

  test("a key revoked by this process is refused on its next request", async () => {
    const { key, id } = await newKey("revoked-here");
    expect((await authenticate(ctx, key)).keyId).toBe(id);
    await revokeKey(ctx, id);
    await expect(authenticate(ctx, key)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  test("a key held in memory and revoked by another process is refused as soon as the change arrives", async () => {
    const { key, id } = await newKey("revoked-elsewhere");
    await holdInMemory(key);
    expect((await authenticate(ctx, key)).keyId).toBe(id);
    await revokeKey(other, id);
    await expectRefusedSoon(key);
  });

  test("a key held in memory and expired by hand-written SQL in another process is refused as soon as the change arrives", async () => {
    const { key } = await newKey("expired-elsewhere");
    await holdInMemory(key);
    await other.db.update(other.tables.apiKeys).set({ expiresAt: new Date(Date.now() - 1_000) }).where(eq(other.tables.apiKeys.hash, hashKey(key)));
    await expectRefusedSoon(key);
  });

  test("on Postgres, a change to one key drops only that key from memory", async () => {
    if (ctx.database.dialect !== "postgres") return expect(ctx.database.externalVersion).toBeDefined();
    const [changed, kept] = [await newKey("notified-changed"), await newKey("notified-kept")];
    await holdInMemory(kept.key, changed.key);
    await revokeKey(other, changed.id);
    await expectRefusedSoon(changed.key);
    expect(cachedKeyCount(ctx)).toBe(1);
    expect((await authenticate(ctx, kept.key)).keyId).toBe(kept.id);
  });

  test("where the database has an external version (SQLite), a used key is served from memory", async () => {
    if (!ctx.database.externalVersion) return expect(ctx.database.dialect).toBe("postgres");
    const { key } = await newKey("cached");
    await authenticate(ctx, key);
    // Written through this process's own connection behind the service's back: only the cache still says valid…
    await ctx.db.update(ctx.tables.apiKeys).set({ revokedAt: new Date() }).where(eq(ctx.tables.apiKeys.hash, hashKey(key)));
    expect((await authenticate(ctx, key)).scopes).toEqual(["inference"]);
    // …until it is told (what revokeKey does).
    forgetCachedKeys(ctx);
    await expect(authenticate(ctx, key)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});
