import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { ensureUser } from "../src/auth/users.ts";
import { loadConfig } from "../src/config/index.ts";
import type { AppContext } from "../src/context.ts";
import { getBalance, grantCredits } from "../src/credits/index.ts";
import { createLogger } from "../src/log.ts";
import { createContext } from "../src/runtime.ts";
import { CreditPools, type PoolSettings } from "../plugins/inference/credit-pool.ts";
import { createBackends, type TestBackends } from "./helpers/databases.ts";

// Credit blocks (plugins/inference/credit-pool.ts) on the leg's database: how their sizes follow a user's pace.
let ctx: AppContext;
let backends: TestBackends;
beforeAll(async () => {
  backends = await createBackends();
  ctx = await createContext(loadConfig({ ...backends.env, CRITIQUE_CREDITS: "enforce" }), createLogger("silent"));
});
afterAll(async () => {
  await ctx?.database.close();
  await backends?.dispose();
});

const WORST = 10;
let users = 0;

/** A pool with its own user holding `grant` micro-credits; `calls(n)` makes n sequential calls costing their worst case. */
async function pool(settings: Partial<PoolSettings>, grant: number) {
  const userId = (await ensureUser(ctx, `pool-${users++}`)).id;
  await grantCredits(ctx, { userId, amount: grant });
  const settling: Promise<void>[] = [];
  const pools = new CreditPools(ctx, { leaseCalls: 4, maxLeaseCalls: 16, idleMs: 60_000, maxAgeMs: 60_000, ...settings }, (s) => void settling.push(s));
  return {
    userId,
    async calls(n: number) {
      for (let i = 0; i < n; i++) pools.finish(await pools.hold(userId, WORST), WORST);
    },
    /** Settles every block, then returns the amounts reserved, in the order they were taken. */
    async reserved(): Promise<number[]> {
      pools.drain();
      await Promise.all(settling);
      const rows = await ctx.db.select().from(ctx.tables.creditReservations).where(eq(ctx.tables.creditReservations.userId, userId));
      expect(rows.every((r) => r.status === "settled")).toBe(true);
      // Ids are time-ordered (src/ids.ts), so sorting by id gives the order they were taken in.
      return rows.sort((a, b) => a.id.localeCompare(b.id)).map((r) => r.amount);
    },
  };
}

test("a busy user's blocks double until maxLeaseCalls; every call is still charged exactly", async () => {
  const p = await pool({}, 1_000_000);
  await p.calls(100);
  // 4 + 8 + 16 calls, then blocks of 16: 8 reservations where fixed blocks of 4 would take 25.
  expect(await p.reserved()).toEqual([40, 80, 160, 160, 160, 160, 160, 160]);
  expect((await getBalance(ctx, p.userId)).available).toBe(1_000_000 - 100 * WORST);
});

test("in enforce mode a grown block never holds more than half of what the balance had left", async () => {
  const grant = 1_500;
  const p = await pool({ maxLeaseCalls: 1_024 }, grant);
  await p.calls(120);
  const amounts = await p.reserved();
  expect(Math.max(...amounts)).toBeGreaterThan(4 * WORST); // blocks did grow…
  // …each within half of the balance left before it (every block but the last was used up, so spent in full).
  let left = grant;
  for (const amount of amounts) {
    if (amount > 4 * WORST) expect(amount).toBeLessThanOrEqual(left / 2);
    left -= amount;
  }
  expect((await getBalance(ctx, p.userId)).available).toBe(grant - 120 * WORST);
});

test("a block retired while mostly unused halves the next; an idle block starts the user over", async () => {
  const aged = await pool({ maxAgeMs: 250 }, 1_000_000);
  await aged.calls(28); // 4 + 8 + 16 calls, the last block used up
  await Bun.sleep(300);
  await aged.calls(1); // that block retires for age having been filled: the next holds 16 again
  await Bun.sleep(300);
  await aged.calls(1); // that one served 1 call of 16: the next holds 8
  expect(await aged.reserved()).toEqual([40, 80, 160, 160, 80]);

  const idle = await pool({ idleMs: 100 }, 1_000_000);
  await idle.calls(12); // 4 + 8
  await Bun.sleep(400);
  await idle.calls(1);
  expect(await idle.reserved()).toEqual([40, 80, 40]);
});

test("leaseCalls = 1 keeps one reservation per call", async () => {
  const p = await pool({ leaseCalls: 1, maxLeaseCalls: 1_024 }, 1_000_000);
  await p.calls(6);
  expect(await p.reserved()).toEqual([10, 10, 10, 10, 10, 10]);
});

test("creditBlockMaxCalls below creditBlockCalls is a configuration error naming the field", () => {
  const dir = mkdtempSync(join(tmpdir(), "critique-pool-config-"));
  const file = join(dir, "critique.yaml");
  writeFileSync(file, Bun.YAML.stringify({ inference: { creditBlockCalls: 64, creditBlockMaxCalls: 8 } }));
  expect(() => loadConfig({ CRITIQUE_CONFIG: file, CRITIQUE_DATA_DIR: dir })).toThrow(/creditBlockMaxCalls must be at least creditBlockCalls/);
});
