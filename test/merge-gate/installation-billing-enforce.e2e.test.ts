import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { setBillingUser } from "../../src/github/installations.ts";
import { ensureUser } from "../../src/auth/users.ts";
import { getBalance, grantCredits, listLedger, MICRO_PER_CREDIT } from "../../src/credits/index.ts";
import { legName } from "../helpers/env.ts";
import { deliverGitHub, pullRequestEvent } from "./github-deliveries.ts";
import { BASE_SHA, INSTALLATION, type MergeGateWorld, REPO, routeFile, startWorld } from "./harness.ts";

// CRITIQUE_CREDITS=enforce, a review costs 2 credits, no model.
let w: MergeGateWorld;
let aliceId: string;
beforeAll(async () => {
  w = await startWorld({ env: { CRITIQUE_CREDITS: "enforce" }, configYaml: "review:\n  costPerRun: 2\n" });
  aliceId = (await ensureUser(w.s.server.ctx, "alice")).id;
});
afterAll(() => w.stop());

/** A pull request opened on GitHub, its automatic review run to the end; returns the run and its check run. */
async function automaticReview(number: number, sha: string) {
  w.gh.addPull(REPO, { number, title: `PR ${number}`, base: { ref: "main", sha: BASE_SHA }, head: { ref: `f-${number}`, sha }, files: [routeFile] });
  await deliverGitHub(w, "pull_request", pullRequestEvent("opened", INSTALLATION, REPO, number, sha));
  const ctx = w.s.server.ctx;
  const t = ctx.tables.reviewRuns;
  const [run] = await ctx.db.select().from(t).where(and(eq(t.pullRequestNumber, number), eq(t.headSha, sha)));
  expect(run, `the automatic review of #${number}`).toBeDefined();
  const checks = [...w.gh.state.checkRuns.values()].filter((c) => c.data.head_sha === sha).map((c) => c.data);
  expect(checks).toHaveLength(1);
  return { run, check: checks[0] };
}

describe(`enforce mode: automatic reviews never run free (${legName})`, () => {
  test("an installation with no billing user: the run FAILS, and the check run names the command to set one", async () => {
    const { run, check } = await automaticReview(201, "e1".repeat(20));
    const reason = `No billing user for installation ${INSTALLATION}: with CRITIQUE_CREDITS=enforce, reviews GitHub starts need one. Set it with \`critique installations billing --installation ${INSTALLATION} --user NAME\`.`;
    expect(run).toMatchObject({ status: "FAILED", userId: null, failureReason: reason, creditsCharged: null });
    expect(check).toMatchObject({ status: "completed", conclusion: "failure", output: expect.objectContaining({ title: "Critique could not review this change", summary: reason }) });
    const snapshot = await w.s.request(`/api/v1/review-runs/${run.id}`, { key: w.alice });
    expect(((await snapshot.json()) as any).reviewRun).toMatchObject({ status: "FAILED", failureReason: reason, verdict: null });
  });

  test("a billing user whose balance cannot cover it: FAILED with the balance, the payer and how to top up; nothing charged", async () => {
    expect(await setBillingUser(w.s.server.ctx, String(INSTALLATION), aliceId)).toBe(true);
    const { run, check } = await automaticReview(202, "e2".repeat(20));
    expect(run).toMatchObject({ status: "FAILED", userId: aliceId, creditsCharged: null });
    expect(run.failureReason).toStartWith("Insufficient credits: needed 2");
    expect(run.failureReason).toContain(`(billing user alice of installation ${INSTALLATION}; top up with \`critique credits grant --user alice --amount N\`)`);
    expect(check).toMatchObject({ conclusion: "failure", output: expect.objectContaining({ summary: run.failureReason }) });
    expect((await getBalance(w.s.server.ctx, aliceId)).available).toBe(0);
    expect((await listLedger(w.s.server.ctx, { userId: aliceId })).entries.filter((e) => e.kind !== "grant")).toEqual([]);
  });

  test("once the billing user has credits, the automatic review completes and is charged its cost", async () => {
    await grantCredits(w.s.server.ctx, { userId: aliceId, amount: 5 * MICRO_PER_CREDIT });
    const { run, check } = await automaticReview(203, "e3".repeat(20));
    expect(run).toMatchObject({ status: "COMPLETED", userId: aliceId, creditsCharged: 2 * MICRO_PER_CREDIT });
    expect(check.conclusion).not.toBe("failure");
    expect((await getBalance(w.s.server.ctx, aliceId)).available).toBe(3 * MICRO_PER_CREDIT);
    const kinds = (await listLedger(w.s.server.ctx, { userId: aliceId })).entries.filter((e) => e.reference === `review:${run.id}:1`).map((e) => e.kind);
    expect(kinds.sort()).toEqual(["reserve", "settle"]);
  });
});
