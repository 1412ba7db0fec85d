import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { asc, eq } from "drizzle-orm";
import { ensureUser } from "../src/auth/users.ts";
import { loadConfig } from "../src/config/index.ts";
import type { AppContext } from "../src/context.ts";
import { chargeCredits, getBalance, getReservation, grantCredits, listLedger, MICRO_PER_CREDIT, releaseReservation, reserveCredits, settleReservation } from "../src/credits/index.ts";
import { AppError } from "../src/errors.ts";
import { createLogger } from "../src/log.ts";
import { createContext } from "../src/runtime.ts";
import { createBackends, type TestBackends } from "./helpers/databases.ts";
import { legName } from "./helpers/env.ts";

const C = MICRO_PER_CREDIT;
const opened: { ctx: AppContext; backends: TestBackends }[] = [];

async function openContext(mode: "track" | "enforce"): Promise<AppContext> {
  const backends = await createBackends();
  const ctx = await createContext(loadConfig({ ...backends.env, CRITIQUE_CREDITS: mode }), createLogger("silent"));
  opened.push({ ctx, backends });
  return ctx;
}

afterAll(async () => {
  for (const { ctx, backends } of opened) {
    await ctx.database.close();
    await backends.dispose();
  }
});

let users = 0;
const newUser = async (ctx: AppContext) => (await ensureUser(ctx, `user-${users++}`)).id;

/** The ledger explains the balance: in id order each balanceAfter is the previous one plus the amount. */
async function expectLedgerExplainsBalance(ctx: AppContext, userId: string) {
  const { creditLedger } = ctx.tables;
  const rows = await ctx.db.select().from(creditLedger).where(eq(creditLedger.userId, userId)).orderBy(asc(creditLedger.id));
  let running = 0;
  for (const row of rows) {
    running += Number(row.amount);
    expect(Number(row.balanceAfter)).toBe(running);
  }
  expect((await getBalance(ctx, userId)).available).toBe(running);
}

async function expectInsufficient(promise: Promise<unknown>, pattern: RegExp) {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe("INSUFFICIENT_CREDITS");
  expect((error as AppError).status).toBe(402);
  expect((error as AppError).message).toMatch(pattern);
}

describe(`credits in track mode (${legName})`, () => {
  let ctx: AppContext;
  beforeAll(async () => {
    ctx = await openContext("track");
  });

  test("grant, reserve, settle below and above the reservation, release, charge: each is one ledger entry", async () => {
    const user = await newUser(ctx);
    expect((await grantCredits(ctx, { userId: user, amount: 10 * C, memo: "welcome" })).balance).toBe(10 * C);

    const r1 = await reserveCredits(ctx, { userId: user, amount: 3 * C, reference: "review:1" });
    expect(r1).toMatchObject({ status: "open", amount: 3 * C, balance: 7 * C, charged: null });
    expect(await getBalance(ctx, user)).toEqual({ available: 7 * C, reserved: 3 * C, openReservations: 1 });

    const s1 = await settleReservation(ctx, { reservationId: r1.id, amount: 2.5 * C });
    expect(s1).toMatchObject({ difference: 0.5 * C, balance: 7.5 * C, alreadyClosed: false });
    expect(s1.reservation).toMatchObject({ status: "settled", charged: 2.5 * C });

    const r2 = await reserveCredits(ctx, { userId: user, amount: 1 * C });
    const s2 = await settleReservation(ctx, { reservationId: r2.id, amount: 1.75 * C });
    expect(s2).toMatchObject({ difference: -0.75 * C, balance: 5.75 * C });

    const r3 = await reserveCredits(ctx, { userId: user, amount: 2 * C });
    expect(await releaseReservation(ctx, r3.id)).toMatchObject({ difference: 2 * C, balance: 5.75 * C, reservation: { status: "released", charged: 0 } });

    expect((await chargeCredits(ctx, { userId: user, amount: 0.25 * C, reference: "sandbox:9" })).balance).toBe(5.5 * C);
    expect(await getBalance(ctx, user)).toEqual({ available: 5.5 * C, reserved: 0, openReservations: 0 });

    const { entries } = await listLedger(ctx, { userId: user });
    expect(entries.map((e) => [e.kind, e.amount])).toEqual([
      ["charge", -0.25 * C],
      ["release", 2 * C],
      ["reserve", -2 * C],
      ["settle", -0.75 * C],
      ["reserve", -1 * C],
      ["settle", 0.5 * C],
      ["reserve", -3 * C],
      ["grant", 10 * C],
    ]);
    expect(entries.find((e) => e.kind === "grant")?.memo).toBe("welcome");
    expect(entries.filter((e) => e.reservationId === r1.id).map((e) => e.reference)).toEqual(["review:1", "review:1"]);
    await expectLedgerExplainsBalance(ctx, user);
  });

  test("nothing is refused: reservations and charges may take the balance below zero", async () => {
    const user = await newUser(ctx);
    await grantCredits(ctx, { userId: user, amount: 1 * C });
    const r = await reserveCredits(ctx, { userId: user, amount: 5 * C });
    expect(r.balance).toBe(-4 * C);
    expect((await chargeCredits(ctx, { userId: user, amount: 2 * C })).balance).toBe(-6 * C);
    await expectLedgerExplainsBalance(ctx, user);
  });

  test("a user with no account yet can be charged (the account starts at zero)", async () => {
    const user = await newUser(ctx);
    expect(await getBalance(ctx, user)).toEqual({ available: 0, reserved: 0, openReservations: 0 });
    expect((await chargeCredits(ctx, { userId: user, amount: 3 })).balance).toBe(-3);
  });

  test("parallel first charges of a user without an account are all recorded", async () => {
    const user = await newUser(ctx);
    await Promise.all(Array.from({ length: 30 }, (_, i) => chargeCredits(ctx, { userId: user, amount: (i + 1) * 1000, reference: `tokens:${i}` })));
    expect((await getBalance(ctx, user)).available).toBe(-465 * 1000);
    expect((await listLedger(ctx, { userId: user, limit: 100 })).entries).toHaveLength(30);
    await expectLedgerExplainsBalance(ctx, user);
  });

  test("settling or releasing a closed reservation is a no-op returning the first outcome", async () => {
    const user = await newUser(ctx);
    await grantCredits(ctx, { userId: user, amount: 10 * C });
    const r = await reserveCredits(ctx, { userId: user, amount: 4 * C });
    await settleReservation(ctx, { reservationId: r.id, amount: 3 * C });
    const again = await settleReservation(ctx, { reservationId: r.id, amount: 4 * C });
    expect(again).toMatchObject({ alreadyClosed: true, difference: 1 * C, balance: 7 * C, reservation: { status: "settled", charged: 3 * C } });
    expect(await releaseReservation(ctx, r.id)).toMatchObject({ alreadyClosed: true, balance: 7 * C, reservation: { status: "settled" } });
    expect((await getReservation(ctx, r.id)).charged).toBe(3 * C);
    expect((await listLedger(ctx, { userId: user })).entries).toHaveLength(3);
  });

  test("parallel settles and releases of one reservation close it exactly once", async () => {
    const user = await newUser(ctx);
    await grantCredits(ctx, { userId: user, amount: 10 * C });
    const r = await reserveCredits(ctx, { userId: user, amount: 4 * C });
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => (i % 2 ? releaseReservation(ctx, r.id) : settleReservation(ctx, { reservationId: r.id, amount: 1 * C }))),
    );
    expect(results.filter((x) => !x.alreadyClosed)).toHaveLength(1);
    const winner = results.find((x) => !x.alreadyClosed)!;
    for (const x of results) expect(x.reservation.status).toBe(winner.reservation.status);
    expect((await getBalance(ctx, user)).available).toBe(winner.reservation.status === "settled" ? 9 * C : 10 * C);
    await expectLedgerExplainsBalance(ctx, user);
  });

  test("bad input is a clear error, not a database failure", async () => {
    const user = await newUser(ctx);
    await expect(grantCredits(ctx, { userId: user, amount: 0 })).rejects.toThrow(/amount: expected a positive integer/);
    await expect(chargeCredits(ctx, { userId: user, amount: -5 })).rejects.toThrow(/non-negative/);
    await expect(reserveCredits(ctx, { userId: user, amount: 1.5 })).rejects.toThrow(/integer number of micro-credits/);
    await expect(grantCredits(ctx, { userId: "no-such-user", amount: 1 })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(settleReservation(ctx, { reservationId: "nope", amount: 0 })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  test("the ledger pages newest first with a cursor", async () => {
    const user = await newUser(ctx);
    for (let i = 1; i <= 5; i++) await grantCredits(ctx, { userId: user, amount: i * C });
    const first = await listLedger(ctx, { userId: user, limit: 2 });
    const second = await listLedger(ctx, { userId: user, limit: 2, cursor: first.nextCursor! });
    const third = await listLedger(ctx, { userId: user, limit: 2, cursor: second.nextCursor! });
    expect([...first.entries, ...second.entries, ...third.entries].map((e) => e.amount / C)).toEqual([5, 4, 3, 2, 1]);
    expect(third.nextCursor).toBeNull();
  });
});

describe(`credits in enforce mode (${legName})`, () => {
  let ctx: AppContext;
  beforeAll(async () => {
    ctx = await openContext("enforce");
  });

  test("what the balance cannot cover is refused with 402 and leaves no trace", async () => {
    const user = await newUser(ctx);
    await grantCredits(ctx, { userId: user, amount: 2 * C });
    await expectInsufficient(reserveCredits(ctx, { userId: user, amount: 3 * C }), /needed 3, available 2/);
    await expectInsufficient(chargeCredits(ctx, { userId: user, amount: 2.5 * C }), /needed 2.5, available 2/);
    await expectInsufficient(chargeCredits(ctx, { userId: await newUser(ctx), amount: 1 }), /needed 0.000001, available 0/);
    expect((await chargeCredits(ctx, { userId: user, amount: 2 * C })).balance).toBe(0);
    expect((await listLedger(ctx, { userId: user })).entries.map((e) => e.kind)).toEqual(["charge", "grant"]);
  });

  test("settling above the reservation charges the hold and no more: the balance never goes below zero", async () => {
    const user = await newUser(ctx);
    await grantCredits(ctx, { userId: user, amount: 1 * C });
    const r = await reserveCredits(ctx, { userId: user, amount: 1 * C, reference: "review:capped" });
    const closing = await settleReservation(ctx, { reservationId: r.id, amount: 1.5 * C });
    expect(closing).toMatchObject({ balance: 0, difference: 0, capped: 0.5 * C, reservation: { status: "settled", charged: 1 * C } });
    expect((await getReservation(ctx, r.id)).charged).toBe(1 * C);
    const [settle] = (await listLedger(ctx, { userId: user, limit: 1 })).entries;
    expect(settle).toMatchObject({ kind: "settle", amount: 0, balanceAfter: 0, memo: "reserved 1, charged 1 (capped at the hold: the work cost 1.5)" });
    await expectInsufficient(reserveCredits(ctx, { userId: user, amount: 1 }), /available 0$/);
    await expectLedgerExplainsBalance(ctx, user);
  });

  test("parallel reservations never overdraw the balance", async () => {
    const user = await newUser(ctx);
    await grantCredits(ctx, { userId: user, amount: 10 * C });
    const attempts = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => reserveCredits(ctx, { userId: user, amount: 1 * C, reference: `job:${i}` })));
    const granted = attempts.filter((a) => a.status === "fulfilled");
    const refused = attempts.filter((a): a is PromiseRejectedResult => a.status === "rejected");
    expect(granted).toHaveLength(10);
    for (const r of refused) expect((r.reason as AppError).code).toBe("INSUFFICIENT_CREDITS");
    expect(await getBalance(ctx, user)).toEqual({ available: 0, reserved: 10 * C, openReservations: 10 });
    await expectLedgerExplainsBalance(ctx, user);
  });

  test("parallel mixed reservations and charges of different sizes stay within the balance", async () => {
    const user = await newUser(ctx);
    await grantCredits(ctx, { userId: user, amount: 7 * C });
    const sizes = Array.from({ length: 40 }, (_, i) => ((i * 7) % 5) + 1);
    const attempts = await Promise.allSettled(
      sizes.map((size, i) => (i % 3 === 0 ? chargeCredits(ctx, { userId: user, amount: size * C }) : reserveCredits(ctx, { userId: user, amount: size * C }))),
    );
    const spent = sizes.filter((_, i) => attempts[i].status === "fulfilled").reduce((a, b) => a + b, 0);
    expect(spent).toBeLessThanOrEqual(7);
    const balance = await getBalance(ctx, user);
    expect(balance.available).toBe((7 - spent) * C);
    expect(balance.available).toBeGreaterThanOrEqual(0);
    // The balance only goes down here, so a refusal means the attempt exceeded even what is left at the end.
    const refusedSizes = sizes.filter((_, i) => attempts[i].status === "rejected");
    expect(refusedSizes.length).toBeGreaterThan(0);
    for (const size of refusedSizes) expect(size * C).toBeGreaterThan(balance.available);
    await expectLedgerExplainsBalance(ctx, user);
  });
});
