import { afterAll, beforeAll, expect, test } from "bun:test";
import { asc, eq } from "drizzle-orm";
import { createKey } from "../src/auth/keys.ts";
import { ensureUser } from "../src/auth/users.ts";
import { loadConfig } from "../src/config/index.ts";
import type { AppContext } from "../src/context.ts";
import { getBalance, getReservation, grantCredits, listLedger, MICRO_PER_CREDIT, type Reclaimed, reclaimExpiredHolds, reserveCredits } from "../src/credits/index.ts";
import { newId } from "../src/ids.ts";
import { priceStrandedBlocks } from "../plugins/inference/reclaim.ts";
import { createBackends, type TestBackends } from "./helpers/databases.ts";
import { legName, testDb } from "./helpers/env.ts";
import { closeContext, jobContext, waitFor } from "./helpers/jobs.ts";

/**
 * Reclaiming stranded holds (src/credits/reclaim.ts) between contexts on the leg's database, as between processes:
 * a "dead" holder (its context closed: it stops renewing), a live one, and two reclaimers racing each other. On
 * SQLite the two race on one context: two connections in one process spin on each other's write lock (sqlite-gate.ts),
 * and a server has one.
 */
const C = MICRO_PER_CREDIT;
const LEASES = { CRITIQUE_CREDIT_LEASE_MS: "1000", CRITIQUE_CREDIT_RENEW_MS: "200", CRITIQUE_CREDITS: "enforce" };
let backends: TestBackends;
let opened: AppContext[];
let reclaimers: AppContext[];
beforeAll(async () => {
  backends = await createBackends();
  opened = [await jobContext(backends, LEASES)];
  if (testDb === "postgres") opened.push(await jobContext(backends, LEASES));
  reclaimers = [opened[0], opened[opened.length - 1]];
  for (const ctx of opened) priceStrandedBlocks(ctx);
});
afterAll(async () => {
  for (const ctx of opened) await closeContext(ctx);
  await backends.dispose();
});

async function usageRow(ctx: AppContext, userId: string, keyId: string, reservationId: string, cost: number) {
  await ctx.db.insert(ctx.tables.inferenceUsage).values({
    id: newId(), userId, keyId, model: "m", provider: "p", promptTokens: 10, completionTokens: 10, cost, estimated: false, costCapped: false,
    byok: false, trainingOptIn: false, stream: false, status: "completed", reservationId, createdAt: new Date(),
  });
}

test(`holds of a process that stopped renewing are reclaimed once, at what their usage rows show; others are left alone (${legName})`, async () => {
  const [first] = reclaimers;
  const live = reclaimers[1];
  const user = (await ensureUser(first, "reclaim-user")).id;
  const { id: keyId } = await createKey(first, { name: "usage", user: "reclaim-user", scopes: ["inference"] });
  await grantCredits(first, { userId: user, amount: 10 * C });

  // The dead process: holds taken, then it stops (its context closes without settling them, as a SIGKILL would).
  const dead = await jobContext(backends, LEASES);
  const review = await reserveCredits(dead, { userId: user, amount: 2 * C, reference: "review:run-1:1" });
  const block = await reserveCredits(dead, { userId: user, amount: 3 * C, reference: "inference" });
  const sandbox = await reserveCredits(dead, { userId: user, amount: 1 * C, reference: "coding-agent:run-2", heldBy: "record" });
  const deadHolder = dead.jobs.store.workerId;
  await closeContext(dead);
  const held = await reserveCredits(live, { userId: user, amount: 1 * C, reference: "review:run-3:1" });
  await usageRow(first, user, keyId, block.id, 0.25 * C);
  await usageRow(first, user, keyId, block.id, 0.125 * C);
  expect(review.holder).toBe(deadHolder);
  expect(sandbox.holder).toBeNull();
  // Leases still running: nothing to reclaim yet.
  expect(await reclaimExpiredHolds(first)).toEqual([]);

  const reclaimed: Reclaimed[] = [];
  await waitFor("both stranded holds to be reclaimed", async () => {
    for (const batch of await Promise.all(reclaimers.map((ctx) => reclaimExpiredHolds(ctx)))) reclaimed.push(...batch);
    return reclaimed.length >= 2;
  });
  // Past the live holder's first lease too: it renewed, so one more round still leaves it open.
  await Bun.sleep(1_200);
  for (const batch of await Promise.all(reclaimers.map((ctx) => reclaimExpiredHolds(ctx)))) reclaimed.push(...batch);

  expect(reclaimed.map((r) => r.reservation.id).sort()).toEqual([review.id, block.id].sort());
  expect(await getReservation(first, review.id)).toMatchObject({ status: "released", charged: 0 });
  expect(await getReservation(first, block.id)).toMatchObject({ status: "settled", charged: 0.375 * C });
  expect((await getReservation(first, sandbox.id)).status).toBe("open");
  expect((await getReservation(first, held.id)).status).toBe("open");
  expect(await getBalance(first, user)).toEqual({ available: 10 * C - 0.375 * C - 2 * C, reserved: 2 * C, openReservations: 2 });

  const entries = (await listLedger(first, { userId: user, limit: 100 })).entries.filter((e) => e.kind === "settle" || e.kind === "release");
  expect(entries.map((e) => [e.reservationId, e.kind, e.amount])).toEqual(expect.arrayContaining([[review.id, "release", 2 * C], [block.id, "settle", 2.625 * C]]));
  for (const entry of entries) expect(entry.memo).toStartWith(`reclaimed after its holder ${deadHolder} stopped renewing`);
  // The ledger still explains the balance, entry by entry.
  const rows = await first.db.select().from(first.tables.creditLedger).where(eq(first.tables.creditLedger.userId, user)).orderBy(asc(first.tables.creditLedger.id));
  expect(rows.reduce((sum, r) => sum + Number(r.amount), 0)).toBe((await getBalance(first, user)).available);
});

test("a renewal interval above half the lease is a configuration error naming the variable", () => {
  expect(() => loadConfig({ CRITIQUE_DATA_DIR: backends.dataDir, CRITIQUE_CREDIT_LEASE_MS: "1000", CRITIQUE_CREDIT_RENEW_MS: "600" })).toThrow(
    "CRITIQUE_CREDIT_RENEW_MS: must be at most half of CRITIQUE_CREDIT_LEASE_MS",
  );
});
