import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { verifyCritiqueWebhook } from "../fakes/verify-critique-webhook.ts";
import { WebhookReceiver } from "../fakes/webhook-receiver.ts";
import { waitFor } from "../helpers/jobs.ts";
import { cleanFile, LEAKED_TOKEN, leakyFile, type RemedyHarness, startRemedyHarness } from "../helpers/remedy.ts";

/**
 * Remedy end to end: a FAIL review of a pull request on the fake GitHub, a fix run in the local sandbox (the real
 * OpenCode, a scripted model), one commit pushed to the head branch, the automatic re-review, the outcome.
 */
let h: RemedyHarness;
const receiver = WebhookReceiver.start();
const SECRET = "a-lifecycle-secret-of-at-least-32-chars";
beforeAll(async () => {
  h = await startRemedyHarness({ env: { CRITIQUE_WEBHOOK_ALLOWED_CIDRS: "127.0.0.0/8" } });
  const endpoint = await h.server.request("/api/v1/webhook-endpoints", { method: "POST", key: h.key, json: { url: receiver.endpoint("/lifecycle"), secret: SECRET, events: ["remedy.run.completed", "remedy.run.failed"] } });
  expect(endpoint.status).toBe(201);
});
afterAll(async () => {
  await h.stop();
  receiver.stop();
});

const secretOf = (findings: any[], path: string) => findings.find((f) => f.filePath === path && f.fingerprint.length > 0 && f.severity === "FAIL");

describe("outcomes", () => {
  test("resolved: the fix commit is pushed onto the head branch with the trailer, re-reviewed, and no longer reported", async () => {
    const path = "src/keys-resolved.ts";
    const pull = await h.failingPull({ [path]: leakyFile("keys") });
    const finding = secretOf(pull.findings, path);
    expect(finding).toBeDefined();
    h.upstream.scriptFor(path, { tool: "write", filePath: `/workspace/${path}`, content: cleanFile("keys") }, { say: "Moved the token to the environment." });

    const { res, body } = await h.queueRemedy(pull.reviewRunId);
    expect(res.status).toBe(202);
    expect(body.remedyRun).toMatchObject({ status: "QUEUED", reviewRunId: pull.reviewRunId, headSha: pull.headSha, pullRequestNumber: pull.number, outcome: null });
    expect(body.remedyRun.targets.map((t: any) => t.fingerprint)).toContain(finding.fingerprint);

    const done = await h.waitRemedy(body.remedyRun.remedyRunId, ["COMPLETED", "FAILED", "CANCELLED"]);
    expect(done).toMatchObject({ status: "COMPLETED", stage: "done", outcome: "resolved", headBranch: pull.branch, remainingFingerprints: [], failureReason: null });
    expect(done.resolvedFingerprints).toContain(finding.fingerprint);

    // One commit on the head branch, on top of the reviewed SHA, naming the fingerprints it fixes.
    expect(h.github.branchSha(h.repo, pull.branch)).toBe(done.commitSha);
    const commit = h.github.commitInfo(h.repo, done.commitSha);
    expect(commit.parents).toEqual([pull.headSha]);
    expect(commit.message).toContain(`Critique-Remedy-Fixes: ${finding.fingerprint}`);
    expect(h.github.filesAt(h.repo, done.commitSha)[path]).toBe(cleanFile("keys"));
    expect(h.github.createdPulls(h.repo)).toEqual([]);

    // The re-review judged the fix commit; the review run shows its remedy.
    const followUp = await h.review(done.followUpReviewRunId);
    expect(followUp).toMatchObject({ status: "COMPLETED", headSha: done.commitSha });
    expect(followUp.findings.map((f: any) => f.fingerprint)).not.toContain(finding.fingerprint);
    const reviewed = await h.review(pull.reviewRunId);
    expect(reviewed.latestRemedyRun).toMatchObject({ id: done.remedyRunId, status: "COMPLETED", outcome: "resolved", commitSha: done.commitSha, followUpReviewRunId: done.followUpReviewRunId });

    // The fix run was released as soon as its commit was taken, not at the idle TTL.
    const agent = await h.server.request(`/api/v1/coding-agent/runs/${done.codingAgentRunId}`, { key: h.key });
    expect(((await agent.json()) as any).run).toMatchObject({ status: "COMPLETED", commitSha: done.commitSha, branch: pull.branch, pullRequestUrl: null });
    const patch = await h.server.request(`/api/v1/remedy-runs/${done.remedyRunId}/patch`, { key: h.key });
    expect(patch.status).toBe(200);
    expect(patch.headers.get("content-type")).toContain("text/x-diff");
    const diff = await patch.text();
    expect(diff).toContain(`-  token: "${LEAKED_TOKEN}",`);
    expect(diff).toContain("+  token: process.env.TOKEN,");

    // Credits: the fix run (its tokens and sandbox time) plus the re-review, each charged once.
    const ctx = h.server.server.ctx;
    const [followUpRow] = await ctx.db.select().from(ctx.tables.reviewRuns).where(eq(ctx.tables.reviewRuns.id, done.followUpReviewRunId));
    const agentRun = ((await (await h.server.request(`/api/v1/coding-agent/runs/${done.codingAgentRunId}`, { key: h.key })).json()) as any).run;
    expect(agentRun.creditsUsed).toBeGreaterThan(0);
    expect(done.creditsUsed).toBeCloseTo(agentRun.creditsUsed + followUpRow.creditsCharged! / 1_000_000, 6);

    // Signed remedy.run.completed on the lifecycle endpoint, once.
    const delivery = await waitFor("remedy.run.completed", async () => receiver.deliveries.find((d) => JSON.parse(d.rawBody).id === done.remedyRunId), 20_000);
    expect(delivery.headers["x-critique-webhook-event"]).toBe("remedy.run.completed");
    expect(verifyCritiqueWebhook(SECRET, delivery.rawBody, delivery.headers["x-critique-webhook-signature"])).toBe(true);
    expect(JSON.parse(delivery.rawBody)).toMatchObject({ event: "remedy.run.completed", object: "remedy.run", status: "completed", outcome: "resolved", repository: h.repo, pullRequest: { number: pull.number, headSha: pull.headSha }, newHeadSha: done.commitSha, reviewRunId: pull.reviewRunId, followUpReviewRunId: done.followUpReviewRunId });

    // The passport timeline records the remedy (queued, fix pushed, ended) and the merge policy notes it.
    const passportId = reviewed.changePassportId;
    const passport = await waitFor("the remedy's policy note", async () => {
      const p = ((await (await h.server.request(`/api/v1/passports/${passportId}`, { key: h.key })).json()) as any).passport;
      return p.policyEvaluations.some((e: any) => e.reasons.some((r: string) => r.includes(done.remedyRunId))) ? p : undefined;
    });
    const remedySnapshots = passport.timeline.filter((x: any) => x.kind === "remedy" && x.refId === done.remedyRunId);
    expect(remedySnapshots.map((x: any) => x.state.remedyStatus)).toEqual(["QUEUED", "IN_PROGRESS", "COMPLETED"]);
    expect(passport.policyEvaluations.find((e: any) => e.reasons.some((r: string) => r.includes(done.remedyRunId))).headSha).toBe(done.commitSha);
  }, 90_000);

  test("unresolved: a fix that leaves the finding in place is COMPLETED unresolved, with the fingerprint remaining", async () => {
    const path = "src/keys-unresolved.ts";
    const pull = await h.failingPull({ [path]: leakyFile("other") });
    const finding = secretOf(pull.findings, path);
    h.upstream.scriptFor(path, { tool: "write", filePath: "/workspace/README.md", content: "# Remedied\n\nSee src/keys-unresolved.ts.\n" }, { say: "Documented it." });
    const { body } = await h.queueRemedy(pull.reviewRunId, { fingerprints: [finding.fingerprint] });
    const done = await h.waitRemedy(body.remedyRun.remedyRunId, ["COMPLETED", "FAILED"]);
    expect(done).toMatchObject({ status: "COMPLETED", outcome: "unresolved", resolvedFingerprints: [], remainingFingerprints: [finding.fingerprint] });
    expect(h.github.branchSha(h.repo, pull.branch)).toBe(done.commitSha);
  }, 90_000);

  test("partially resolved: two targeted findings, one fixed", async () => {
    const [a, b] = ["src/keys-part-a.ts", "src/keys-part-b.ts"];
    const pull = await h.failingPull({ [a]: leakyFile("a"), [b]: leakyFile("b") });
    const fa = secretOf(pull.findings, a);
    const fb = secretOf(pull.findings, b);
    h.upstream.scriptFor(a, { tool: "write", filePath: `/workspace/${a}`, content: cleanFile("a") }, { say: "Fixed a; b is needed as is." });
    const { body } = await h.queueRemedy(pull.reviewRunId, { findingIds: [fa.id, fb.id] });
    const done = await h.waitRemedy(body.remedyRun.remedyRunId, ["COMPLETED", "FAILED"]);
    expect(done).toMatchObject({ status: "COMPLETED", outcome: "partially_resolved", resolvedFingerprints: [fa.fingerprint], remainingFingerprints: [fb.fingerprint] });
  }, 90_000);
});
