import { afterAll, beforeAll, expect, test } from "bun:test";
import { findUserByName } from "../../src/auth/users.ts";
import { getBalance, grantCredits, listLedger, MICRO_PER_CREDIT } from "../../src/credits/index.ts";
import { type MergeGateWorld, pollRun, queue, REPO, routeFile, seedPull, startWorld } from "./harness.ts";

// CRITIQUE_CREDITS=enforce with a review cost of 2 credits and no model: the run costs exactly 2.
let w: MergeGateWorld;
beforeAll(async () => {
  w = await startWorld({ env: { CRITIQUE_CREDITS: "enforce" }, configYaml: "review:\n  costPerRun: 2\n" });
});
afterAll(() => w.stop());

test("a review the balance cannot cover is 402; a covered one is charged exactly its cost", async () => {
  const sha = "c".repeat(40);
  seedPull(w, 90, sha, [routeFile]);
  const refused = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 90, headSha: sha });
  expect(refused.status).toBe(402);
  expect(((await refused.json()) as any).error).toContain("Insufficient credits");

  const ctx = w.s.server.ctx;
  const alice = (await findUserByName(ctx, "alice"))!;
  await grantCredits(ctx, { userId: alice.id, amount: 5 * MICRO_PER_CREDIT });
  const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 90, headSha: sha });
  expect(res.status).toBe(202);
  const run = await pollRun(w, ((await res.json()) as any).review.reviewRunId);
  expect(run.status).toBe("COMPLETED");
  expect((await getBalance(ctx, alice.id)).available).toBe(3 * MICRO_PER_CREDIT);
  const kinds = (await listLedger(ctx, { userId: alice.id })).entries.map((e) => e.kind);
  expect(kinds).toEqual(expect.arrayContaining(["grant", "reserve", "settle"]));
});
