import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { waitFor } from "../helpers/jobs.ts";
import { cleanFile, leakyFile, type RemedyHarness, startRemedyHarness } from "../helpers/remedy.ts";

/**
 * How a remedy ends without a fix: the head moved (before the fix run, or while it worked), a fork, a protected
 * branch, a missing permission, a fix run that changes nothing or hits a limit, a cancel. Each ends with its reason,
 * nothing is pushed that should not be, and the patch stays downloadable where one was made.
 */
let h: RemedyHarness;
beforeAll(async () => {
  h = await startRemedyHarness();
});
afterAll(() => h.stop());

let files = 0;
/** A FAIL review of a fresh pull request leaking a token in its own file; the model is scripted for that file. */
async function failing(fix: "fix" | "none" | "slow-fix" = "fix", options: { headRepo?: string } = {}) {
  const path = `src/leak-${files++}.ts`;
  const pull = await h.failingPull({ [path]: leakyFile("leak") }, options);
  const write = { tool: "write" as const, filePath: `/workspace/${path}`, content: cleanFile("leak") };
  if (fix === "fix") h.upstream.scriptFor(path, write, { say: "Fixed." });
  if (fix === "slow-fix") h.upstream.scriptFor(path, { wait: 4_000 }, write, { say: "Fixed, slowly." });
  if (fix === "none") h.upstream.scriptFor(path, { say: "I see nothing to change." }, { say: "Still nothing to change." });
  return { ...pull, path };
}

const agentRun = async (id: string) => ((await (await h.server.request(`/api/v1/coding-agent/runs/${id}`, { key: h.key })).json()) as any).run;
const patchOf = async (remedyId: string) => h.server.request(`/api/v1/remedy-runs/${remedyId}/patch`, { key: h.key });

async function queued(reviewRunId: string, body: Record<string, unknown> = {}) {
  const { res, body: answer } = await h.queueRemedy(reviewRunId, body);
  expect(res.status).toBe(202);
  return answer.remedyRun.remedyRunId as string;
}

/** Until the fix run's turn is under way (the model has not answered yet: it is scripted to wait). */
async function fixRunning(remedyId: string) {
  return waitFor("the fix run to be RUNNING", async () => {
    const remedy = await h.getRemedy(remedyId);
    if (!remedy.codingAgentRunId) return undefined;
    return (await agentRun(remedy.codingAgentRunId)).status === "RUNNING" ? remedy : undefined;
  }, 30_000);
}

describe("the head branch", () => {
  test("moved before the fix run started: FAILED at once with the new head named, no fix run, nothing pushed", async () => {
    const pull = await failing("fix");
    const moved = h.github.setBranch(h.repo, pull.branch, { ...h.github.filesAt(h.repo, pull.branch), "NOTES.md": "a human pushed\n" });
    const done = await h.waitRemedy(await queued(pull.reviewRunId), ["FAILED", "COMPLETED"]);
    expect(done.failureReason).toMatch(new RegExp(`moved to ${moved.slice(0, 12)} since the review of ${pull.headSha.slice(0, 12)}`));
    expect(done.codingAgentRunId).toBeNull();
    expect(h.github.branchSha(h.repo, pull.branch)).toBe(moved);
    expect((await patchOf(done.remedyRunId)).status).toBe(404);
  }, 60_000);

  test("moved while the agent worked: FAILED, the push refused, the human's commit kept, the patch downloadable", async () => {
    const pull = await failing("slow-fix");
    const remedyId = await queued(pull.reviewRunId);
    await fixRunning(remedyId);
    const moved = h.github.setBranch(h.repo, pull.branch, { ...h.github.filesAt(h.repo, pull.branch), "NOTES.md": "pushed during the fix\n" });
    const done = await h.waitRemedy(remedyId, ["FAILED", "COMPLETED"]);
    expect(done.failureReason).toMatch(/moved to .* while the agent worked .*nothing was pushed/);
    expect(done.commitSha).toBeNull();
    expect(h.github.branchSha(h.repo, pull.branch)).toBe(moved);
    const patch = await patchOf(remedyId);
    expect(patch.status).toBe(200);
    expect(await patch.text()).toContain("+  token: process.env.TOKEN,");
  }, 60_000);

  test("in a fork: the fix is made but not pushed (the App cannot push there); FAILED naming the fork, patch downloadable", async () => {
    const pull = await failing("fix", { headRepo: "someone/remedied" });
    const done = await h.waitRemedy(await queued(pull.reviewRunId), ["FAILED", "COMPLETED"]);
    expect(done.failureReason).toMatch(/fork someone\/remedied.*not pushed.*patch/);
    expect(done.commitSha).toBeNull();
    expect(h.github.branchSha(h.repo, pull.branch)).toBeUndefined();
    expect(await (await patchOf(done.remedyRunId)).text()).toContain("+  token: process.env.TOKEN,");
    expect((await agentRun(done.codingAgentRunId)).status).toBe("COMPLETED");
  }, 60_000);

  test("protected: GitHub's refusal is the reason, nothing pushed, patch downloadable", async () => {
    const pull = await failing("fix");
    h.github.protectBranch(h.repo, pull.branch);
    try {
      const done = await h.waitRemedy(await queued(pull.reviewRunId), ["FAILED", "COMPLETED"]);
      expect(done.failureReason).toMatch(/GitHub refused the push to branch .* Changes must be made through a pull request/);
      expect(h.github.branchSha(h.repo, pull.branch)).toBe(pull.headSha);
      expect((await patchOf(done.remedyRunId)).status).toBe(200);
    } finally {
      h.github.protectBranch(h.repo, pull.branch, false);
    }
  }, 60_000);

  test("without contents: write: the 403 is named with the permission the App needs", async () => {
    const pull = await failing("fix");
    h.github.denyWrites(h.repo);
    try {
      const done = await h.waitRemedy(await queued(pull.reviewRunId), ["FAILED", "COMPLETED"]);
      expect(done.failureReason).toMatch(/403: Resource not accessible by integration.*contents: write/);
      expect(h.github.branchSha(h.repo, pull.branch)).toBe(pull.headSha);
    } finally {
      h.github.denyWrites(h.repo, false);
    }
  }, 60_000);
});

describe("the fix run", () => {
  test("changes nothing: reminded once per remaining turn, then FAILED; the run released", async () => {
    const pull = await failing("none");
    const before = h.upstream.agentRequests.length;
    const done = await h.waitRemedy(await queued(pull.reviewRunId), ["FAILED", "COMPLETED"]);
    expect(done.failureReason).toMatch(/changed nothing in 2 turn\(s\): Still nothing to change/);
    const nudged = h.upstream.agentRequests.slice(before).some((r) => JSON.stringify(r.messages).includes("You have not changed any file yet"));
    expect(nudged).toBe(true);
    expect(await agentRun(done.codingAgentRunId)).toMatchObject({ status: "COMPLETED", turns: 2 });
    expect(h.github.branchSha(h.repo, pull.branch)).toBe(pull.headSha);
  }, 60_000);

  test("hits its credit limit: the fix run EXPIRED, the remedy FAILED with that reason, nothing pushed", async () => {
    const pull = await failing("slow-fix");
    // 0.01 credits at 0.6 credits a minute of sandbox time: one second of the slow turn.
    const done = await h.waitRemedy(await queued(pull.reviewRunId, { limits: { maxCredits: 0.01 } }), ["FAILED", "COMPLETED"]);
    expect(done.failureReason).toMatch(/the fix run .* ended EXPIRED/);
    expect(done.limits.maxCredits).toBe(0.01);
    expect(h.github.branchSha(h.repo, pull.branch)).toBe(pull.headSha);
  }, 60_000);

  test("cancelled: CANCELLED, the fix run cancelled, nothing pushed; a second cancel is 409", async () => {
    const pull = await failing("slow-fix");
    const remedyId = await queued(pull.reviewRunId);
    const running = await fixRunning(remedyId);
    const res = await h.server.request(`/api/v1/remedy-runs/${remedyId}/cancel`, { method: "POST", key: h.key });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).remedyRun).toMatchObject({ status: "CANCELLED", failureReason: "cancelled through the API" });
    await waitFor("the fix run to end", async () => ((await agentRun(running.codingAgentRunId)).status === "CANCELLED" ? true : undefined), 30_000);
    const again = await h.server.request(`/api/v1/remedy-runs/${remedyId}/cancel`, { method: "POST", key: h.key });
    expect(again.status).toBe(409);
    expect(((await again.json()) as any).error).toMatch(/already ended \(CANCELLED\)/);
    expect(h.github.branchSha(h.repo, pull.branch)).toBe(pull.headSha);
  }, 60_000);
});

describe("one active remedy per pull request", () => {
  test("queuing again while one is active returns it; once it ended, a new one starts", async () => {
    const pull = await failing("slow-fix");
    const first = await queued(pull.reviewRunId);
    expect(await queued(pull.reviewRunId, { severities: ["FAIL"] })).toBe(first);
    const done = await h.waitRemedy(first, ["COMPLETED", "FAILED"]);
    expect(done.outcome).toBe("resolved");
    // The original review run can be remedied again (its findings did not change): a new remedy, which fails
    // at once because the head moved on with the fix.
    const second = await queued(pull.reviewRunId);
    expect(second).not.toBe(first);
    expect((await h.waitRemedy(second, ["FAILED", "COMPLETED"])).failureReason).toMatch(/moved to/);
  }, 60_000);
});
