import { afterAll, beforeAll, expect, test } from "bun:test";
import { asc, eq } from "drizzle-orm";
import { findUserByName } from "../../src/auth/users.ts";
import type { AppContext } from "../../src/context.ts";
import { chargeCredits, getBalance, grantCredits, MICRO_PER_CREDIT } from "../../src/credits/index.ts";
import { legName } from "../helpers/env.ts";
import { waitFor } from "../helpers/jobs.ts";
import { jobsIdle, type MergeGateWorld, pollRun, queue, REPO, routeFile, seedPull, startWorld } from "./harness.ts";

/**
 * Issue 19 for reviews, enforce mode: a review holds its worst case (the per-run cost plus every specialist call at
 * its token budget and max_tokens), is charged its real cost, and an upstream reporting more than the hold is
 * charged the hold, so a balance never goes below zero. The review model costs 1 credit per million prompt tokens
 * and 4 per million completion tokens; a run costs 0.001 on top.
 */
const C = MICRO_PER_CREDIT;
const BASE = 1_000;
let w: MergeGateWorld;
let ctx: AppContext;
beforeAll(async () => {
  const configYaml = [
    "models:",
    "  - id: fake-model",
    "    targets: [{ provider: env, model: fake-model }]",
    "    inputPricePerMillion: 1",
    "    outputPricePerMillion: 4",
    "review:",
    "  costPerRun: 0.001",
  ].join("\n");
  w = await startWorld({ model: true, configYaml, env: { CRITIQUE_CREDITS: "enforce", CRITIQUE_JOB_CONCURRENCY: "16" } });
  ctx = w.s.server.ctx;
});
afterAll(() => w?.stop());

const answerWith = (usage: { prompt_tokens: number; completion_tokens: number }) => {
  w.llm.responder = () => ({ json: { findings: [] }, usage });
};
const ledgerOf = async (userId: string) => {
  const l = ctx.tables.creditLedger;
  return ctx.db.select().from(l).where(eq(l.userId, userId)).orderBy(asc(l.id));
};

test(`a review holds its worst case and is charged its real cost; every model call is bounded by max_tokens (${legName})`, async () => {
  const alice = (await findUserByName(ctx, "alice"))!;
  await grantCredits(ctx, { userId: alice.id, amount: 5 * C });
  answerWith({ prompt_tokens: 1_000, completion_tokens: 50 });
  const sha = "d".repeat(40);
  seedPull(w, 300, sha, [routeFile]);
  const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 300, headSha: sha });
  expect(res.status).toBe(202);
  const run = await pollRun(w, ((await res.json()) as any).review.reviewRunId);
  expect(run.status).toBe("COMPLETED");
  await jobsIdle(w);

  const calls = w.llm.completions;
  expect(calls).toHaveLength(5);
  for (const call of calls) expect((call.body as any).max_tokens).toBe(8_192);
  const cost = BASE + 5 * (1_000 * 1 + 50 * 4);
  const entries = await ledgerOf(alice.id);
  const reserve = entries.find((e) => e.kind === "reserve")!;
  const settle = entries.find((e) => e.kind === "settle")!;
  // 5 specialists × 2 attempts × 8,192 answer tokens at 4 per million, plus the prompts and the base.
  expect(-Number(reserve.amount)).toBeGreaterThan(BASE + 5 * 2 * 8_192 * 4);
  expect(Number(settle.amount)).toBe(-Number(reserve.amount) - cost);
  expect(settle.memo).not.toContain("capped");
  expect(await getBalance(ctx, alice.id)).toEqual({ available: 5 * C - cost, reserved: 0, openReservations: 0 });
});

test(`200 parallel reviews against 1 credit, each model answer reporting far more than its hold: the balance ends at or above zero (${legName})`, async () => {
  const user = (await findUserByName(ctx, "alice"))!;
  // Whatever is there (the test above left some), brought to exactly 1 credit.
  const grant = 1 * C;
  const left = (await getBalance(ctx, user.id)).available;
  if (left > grant) await chargeCredits(ctx, { userId: user.id, amount: left - grant, reference: "spend-down" });
  if (left < grant) await grantCredits(ctx, { userId: user.id, amount: grant - left });
  expect((await getBalance(ctx, user.id)).available).toBe(grant);
  answerWith({ prompt_tokens: 10_000_000, completion_tokens: 1_000_000 }); // 14 credits per call
  const shas = Array.from({ length: 200 }, (_, i) => `${(i + 1).toString(16).padStart(8, "0")}${"e".repeat(32)}`);
  for (const [i, sha] of shas.entries()) seedPull(w, 1_000 + i, sha, [routeFile]);
  const queued = await Promise.all(shas.map((sha, i) => queue(w, { repositoryFullName: REPO, pullRequestNumber: 1_000 + i, headSha: sha })));
  for (const res of queued) expect([202, 402]).toContain(res.status);
  const ids = (await Promise.all(queued.filter((r) => r.status === 202).map(async (r) => ((await r.json()) as any).review.reviewRunId as string)));
  expect(ids.length).toBeGreaterThan(0);

  const runs = ctx.tables.reviewRuns;
  const terminal = await waitFor(
    "every queued review to end",
    async () => {
      const rows = await ctx.db.select({ id: runs.id, status: runs.status, reason: runs.failureReason }).from(runs).where(eq(runs.userId, user.id));
      const ours = rows.filter((r) => ids.includes(r.id));
      return ours.every((r) => ["COMPLETED", "FAILED"].includes(r.status)) && ours;
    },
    120_000,
  );
  await jobsIdle(w, 60_000);
  const completed = terminal.filter((r) => r.status === "COMPLETED");
  const refused = terminal.filter((r) => r.status === "FAILED");
  expect(completed.length).toBeGreaterThan(0);
  expect(refused.length + queued.filter((r) => r.status === 402).length).toBeGreaterThan(0);
  for (const run of refused) expect(run.reason).toContain("Insufficient credits");

  const balance = await getBalance(ctx, user.id);
  expect(balance.available).toBeGreaterThanOrEqual(0);
  expect(balance).toMatchObject({ reserved: 0, openReservations: 0 });
  // The ledger explains it: from 1 credit, one reserve and one settle per review that ran, nothing else.
  const entries = await ledgerOf(user.id);
  expect(entries.reduce((sum, e) => sum + Number(e.amount), 0)).toBe(balance.available);
  const settles = entries.filter((e) => e.kind === "settle" && e.reference?.startsWith("review:") && ids.some((id) => e.reference!.includes(id)));
  expect(settles).toHaveLength(completed.length);
  for (const settle of settles) expect(settle.memo).toContain("capped at the hold");
  const sinceGrant = entries.filter((e) => ids.some((id) => e.reference?.includes(id)));
  expect(balance.available).toBe(grant + sinceGrant.reduce((sum, e) => sum + Number(e.amount), 0));
}, 180_000);
