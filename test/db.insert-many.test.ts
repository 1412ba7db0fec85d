import { afterAll, beforeAll, expect, test } from "bun:test";
import { asc, eq } from "drizzle-orm";
import { ensureUser } from "../src/auth/users.ts";
import { loadConfig } from "../src/config/index.ts";
import type { AppContext } from "../src/context.ts";
import { newId } from "../src/ids.ts";
import { createLogger } from "../src/log.ts";
import { createContext } from "../src/runtime.ts";
import { createBackends, type TestBackends } from "./helpers/databases.ts";

// `database.insertMany` must store exactly what drizzle's `insert().values()` stores, on both dialects.
let ctx: AppContext;
let backends: TestBackends;
let userId: string;

beforeAll(async () => {
  backends = await createBackends();
  ctx = await createContext(loadConfig(backends.env), createLogger("silent"));
  userId = (await ensureUser(ctx, "insert-many")).id;
});
afterAll(async () => {
  await ctx.database.close();
  await backends.dispose();
});

function newKey(name: string, extra: Partial<AppContext["tables"]["apiKeys"]["$inferInsert"]> = {}) {
  return { id: newId(), userId, name, hash: `${name}-${newId()}`, prefix: "crt_test", scopes: ["inference"], createdAt: new Date(1_700_000_000_123), ...extra };
}

test("rows read back the same as rows inserted by drizzle: dates, booleans, big integers, nulls, JSON", async () => {
  const { apiKeys, inferenceUsage } = ctx.tables;
  const key = newKey("usage");
  await ctx.db.insert(apiKeys).values(key);
  const row = (i: number, reservationId: string | null) => ({
    id: newId(),
    userId,
    keyId: key.id,
    model: "m",
    provider: "p",
    promptTokens: 10 + i,
    completionTokens: 20 + i,
    cost: 9_007_199_254_740 + i,
    estimated: i % 2 === 0,
    costCapped: i % 2 === 1,
    byok: false,
    trainingOptIn: true,
    stream: i % 3 === 0,
    status: "completed",
    reservationId,
    createdAt: new Date(1_700_000_000_000 + i),
  });
  const viaDrizzle = [row(0, null), row(1, "r-1")];
  const viaInsertMany = [row(0, null), row(1, "r-1")];
  await ctx.db.insert(inferenceUsage).values(viaDrizzle);
  await ctx.database.insertMany(inferenceUsage, viaInsertMany);
  const read = async (id: string) => (await ctx.db.select().from(inferenceUsage).where(eq(inferenceUsage.id, id)))[0];
  for (const [i, expected] of viaInsertMany.entries()) {
    const [fromDrizzle, fromInsertMany] = [await read(viaDrizzle[i].id), await read(expected.id)];
    expect(fromInsertMany).toEqual(expected);
    expect({ ...fromInsertMany, id: "" }).toEqual({ ...fromDrizzle, id: "" });
  }
});

test("a column left out gets its default, as with drizzle", async () => {
  const { apiKeys } = ctx.tables;
  const key = newKey("defaults", { allowedModels: ["a", "b"] });
  await ctx.database.insertMany(apiKeys, [key]);
  const [stored] = await ctx.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
  expect(stored).toMatchObject({ trainingOptIn: false, allowedModels: ["a", "b"], scopes: ["inference"], lastUsedAt: null, rpmLimit: null });
  expect(stored.createdAt.getTime()).toBe(1_700_000_000_123);
});

test("thousands of rows in one call are all written, in order (SQLite: in chunks, one transaction)", async () => {
  const { apiKeys } = ctx.tables;
  const keys = Array.from({ length: 2_500 }, (_, i) => newKey(`bulk-${String(i).padStart(4, "0")}`));
  await ctx.database.insertMany(apiKeys, keys);
  const stored = await ctx.db.select({ name: apiKeys.name }).from(apiKeys).where(eq(apiKeys.prefix, "crt_test")).orderBy(asc(apiKeys.name));
  expect(stored.filter((k) => k.name.startsWith("bulk-")).map((k) => k.name)).toEqual(keys.map((k) => k.name));
});

test("nothing to insert is a no-op; a row that breaks a constraint fails the call and none of its rows are written", async () => {
  const { apiKeys } = ctx.tables;
  await ctx.database.insertMany(apiKeys, []);
  const key = newKey("dupe");
  await ctx.database.insertMany(apiKeys, [key]);
  // 300 rows span several chunks on SQLite; the duplicate is in the last one.
  const batch = Array.from({ length: 299 }, (_, i) => newKey(`all-or-nothing-${i}`));
  await expect(ctx.database.insertMany(apiKeys, [...batch, key])).rejects.toThrow();
  const stored = await ctx.db.select().from(apiKeys).where(eq(apiKeys.name, "all-or-nothing-0"));
  expect(stored).toHaveLength(0);
});
