import { afterAll, beforeAll, expect, test } from "bun:test";
import { and, eq, inArray, like } from "drizzle-orm";
import { advanceRemedy } from "../../plugins/merge-gate/remedy/advance.ts";
import { remedyJob } from "../../plugins/merge-gate/remedy/job.ts";
import { waitFor } from "../helpers/jobs.ts";
import { cleanFile, leakyFile, type RemedyHarness, startRemedyHarness } from "../helpers/remedy.ts";

/**
 * A remedy whose process died after its fix commit was known but before its re-review was queued (or recorded)
 * goes on from the row it left: it takes the review run that already exists for (pull request, fix commit),
 * whatever its state, and never re-runs a finished one (which would charge that review twice).
 *
 * The crash is staged on a remedy that COMPLETED normally: its row is put back exactly as the crash would have left
 * it (nothing else is restored), then the remedy is advanced again. The review of the fix commit is then already
 * COMPLETED, the hardest case: a re-run would be a second execution and a second credit reservation.
 */
let h: RemedyHarness;
beforeAll(async () => {
  h = await startRemedyHarness();
});
afterAll(() => h.stop());

const ctx = () => h.server.server.ctx;
let files = 0;

const remedyRow = async (id: string) => {
  const t = ctx().tables.remedyRuns;
  return (await ctx().db.select().from(t).where(eq(t.id, id)))[0]!;
};
const reviewRow = async (id: string) => {
  const t = ctx().tables.reviewRuns;
  return (await ctx().db.select().from(t).where(eq(t.id, id)))[0]!;
};

/** The jobs of one name whose payload names this id under `key`, in any status. */
async function jobsFor(name: string, key: "remedyId" | "runId", id: string) {
  const t = ctx().tables.jobs;
  const rows = await ctx().db.select().from(t).where(eq(t.name, name));
  return rows.filter((row) => (row.payload as Record<string, unknown>)[key] === id);
}

/**
 * Until no advance job of the remedy is queued or running, so nothing but the test moves it (and whatever the
 * ending job writes after the status, the credits, the records, is written). Queued ones (watchdogs of an ended
 * remedy, due in up to WATCH_MS) are cancelled when `cancel` is set.
 */
async function remedyJobsIdle(remedyId: string, options: { cancel: boolean }) {
  await waitFor(`no advance job of remedy ${remedyId} queued or running`, async () => {
    const pending = (await jobsFor(remedyJob.name, "remedyId", remedyId)).filter((j) => j.status === "queued" || j.status === "running");
    if (options.cancel) for (const job of pending.filter((j) => j.status === "queued")) await ctx().jobs.cancel(job.id);
    const still = (await jobsFor(remedyJob.name, "remedyId", remedyId)).filter((j) => j.status === "queued" || j.status === "running");
    return still.length === 0;
  }, 20_000);
}

/** A pull request leaking a token, remedied to COMPLETED resolved the normal way; everything settled. */
async function remediedPull() {
  const path = `src/keys-recovery-${files++}.ts`;
  const pull = await h.failingPull({ [path]: leakyFile("keys") });
  h.upstream.scriptFor(path, { tool: "write", filePath: `/workspace/${path}`, content: cleanFile("keys") }, { say: "Moved the token to the environment." });
  const { res, body } = await h.queueRemedy(pull.reviewRunId);
  expect(res.status).toBe(202);
  const remedyId = body.remedyRun.remedyRunId as string;
  const done = await h.waitRemedy(remedyId, ["COMPLETED", "FAILED", "CANCELLED"]);
  expect(done).toMatchObject({ status: "COMPLETED", outcome: "resolved" });
  await remedyJobsIdle(remedyId, { cancel: true });
  const row = await remedyRow(remedyId);
  expect(row.followUpReviewRunId).toBeTruthy();
  expect(row.commitSha).toBeTruthy();
  expect(row.activeSlot).toBeNull();
  return { pull, remedyId, row, slot: `${row.installationId}:${row.repositoryKey}#${row.pullRequestNumber}` };
}

/** What the first run of the remedy left: its re-review, run once, held and charged once. */
async function expectReviewedOnce(reviewRunId: string, commitSha: string, creditsCharged: number | null) {
  const review = await reviewRow(reviewRunId);
  expect(review).toMatchObject({ status: "COMPLETED", headSha: commitSha, execution: 1, creditsCharged });
  const t = ctx().tables.reviewRuns;
  const ofCommit = await ctx().db.select().from(t).where(and(eq(t.repositoryKey, review.repositoryKey), eq(t.pullRequestNumber, review.pullRequestNumber), eq(t.headSha, commitSha)));
  expect(ofCommit.map((r) => r.id)).toEqual([reviewRunId]);
  const r = ctx().tables.creditReservations;
  const holds = await ctx().db.select().from(r).where(like(r.reference, `review:${reviewRunId}:%`));
  expect(holds.map((x) => [x.reference, x.status])).toEqual([[`review:${reviewRunId}:1`, "settled"]]);
  const l = ctx().tables.creditLedger;
  const entries = await ctx().db.select().from(l).where(inArray(l.reservationId, holds.map((x) => x.id)));
  expect(entries.map((e) => e.kind).sort()).toEqual(["reserve", "settle"]);
  expect(await jobsFor("reviews.run", "runId", reviewRunId)).toHaveLength(1);
}

test("crash between the commit recorded and the re-review queued: advanced again, it adopts the finished re-review (same run, execution 1, one hold) and COMPLETES", async () => {
  const { remedyId, row, slot } = await remediedPull();
  const review = await reviewRow(row.followUpReviewRunId!);
  const t = ctx().tables.remedyRuns;
  // The row as reReview leaves it after its first transition: the commit recorded, no re-review yet.
  await ctx().db.update(t).set({ stage: "re-reviewing", status: "IN_PROGRESS", followUpReviewRunId: null, activeSlot: slot }).where(eq(t.id, remedyId));

  // One step: it names the review that exists for (pull request, commit), finished already, and judges it at once.
  const attempt = { attempt: 2, signal: new AbortController().signal, jobId: "x" };
  expect(await advanceRemedy(ctx(), remedyId, attempt, 5)).toEqual({ did: "completed: resolved", waiting: false });
  expect(await advanceRemedy(ctx(), remedyId, attempt, 5)).toEqual({ did: "nothing: the remedy has ended", waiting: false });
  const ended = await remedyRow(remedyId);
  expect(ended).toMatchObject({ status: "COMPLETED", stage: "done", outcome: "resolved", commitSha: row.commitSha, followUpReviewRunId: review.id, activeSlot: null, remainingFingerprints: [], failureReason: null });
  expect(ended.resolvedFingerprints).toEqual(row.resolvedFingerprints);
  expect(ended.creditsUsed).toBe(row.creditsUsed);
  await expectReviewedOnce(review.id, row.commitSha!, review.creditsCharged);
}, 90_000);

test("crash between the fix run's commit and the remedy taking it: the remedy job takes the commit, adopts the finished re-review (same run, execution 1, one hold) and COMPLETES", async () => {
  const { remedyId, row, slot } = await remediedPull();
  const review = await reviewRow(row.followUpReviewRunId!);
  const agent = (await (await h.server.request(`/api/v1/coding-agent/runs/${row.codingAgentRunId}`, { key: h.key })).json()) as any;
  expect(agent.run).toMatchObject({ status: "COMPLETED", commitSha: row.commitSha });
  const t = ctx().tables.remedyRuns;
  // The row as a crash before reReview's first transition leaves it: still fixing, the commit only on the fix run.
  await ctx().db.update(t).set({ stage: "fixing", status: "IN_PROGRESS", commitSha: null, followUpReviewRunId: null, activeSlot: slot }).where(eq(t.id, remedyId));

  // Through the job, as the restarted server's watchdog would: one step takes the commit from the fix run, names
  // the review that exists for it (finished already) and judges it.
  const jobId = await ctx().jobs.enqueue(remedyJob, { remedyId });
  await waitFor(`remedy ${remedyId} to end again`, async () => (await remedyRow(remedyId)).status !== "IN_PROGRESS", 30_000);
  await remedyJobsIdle(remedyId, { cancel: false });
  expect((await ctx().jobs.get(jobId))?.result).toEqual({ did: "completed: resolved", waiting: false });
  const ended = await remedyRow(remedyId);
  expect(ended).toMatchObject({ status: "COMPLETED", stage: "done", outcome: "resolved", commitSha: row.commitSha, followUpReviewRunId: review.id, activeSlot: null, remainingFingerprints: [], failureReason: null });
  expect(ended.resolvedFingerprints).toEqual(row.resolvedFingerprints);
  expect(ended.creditsUsed).toBe(row.creditsUsed);
  await expectReviewedOnce(review.id, row.commitSha!, review.creditsCharged);
  // The fix run was not touched again: still COMPLETED with its one commit, which is still the branch head.
  const after = (await (await h.server.request(`/api/v1/coding-agent/runs/${row.codingAgentRunId}`, { key: h.key })).json()) as any;
  expect(after.run).toMatchObject({ status: "COMPLETED", commitSha: row.commitSha });
  expect(h.github.branchSha(h.repo, row.headBranch!)).toBe(row.commitSha!);
}, 90_000);
