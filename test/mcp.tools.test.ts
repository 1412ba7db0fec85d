import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { verifyBundle } from "../plugins/merge-gate/passports/verify.ts";
import { WebhookReceiver } from "./fakes/webhook-receiver.ts";
import { call, callOk, connectMcp, pollRunOverMcp, textOf } from "./helpers/mcp.ts";
import { jobsIdle, type MergeGateWorld, REPO, routeFile, scriptSpecialists, secretFile, seedPull, startWorld } from "./merge-gate/harness.ts";

// Each of the ten tools over MCP against the real merge gate (fake GitHub App + fake model), compared with what
// the REST routes answer for the same things: the tools call the same services.
let w: MergeGateWorld;
let receiver: WebhookReceiver;
let alice: Client;
let bob: Client;
let restKey: string;
beforeAll(async () => {
  receiver = WebhookReceiver.start();
  w = await startWorld({ model: true, env: { CRITIQUE_WEBHOOK_ALLOWED_CIDRS: "127.0.0.0/8" } });
  alice = await connectMcp(w.s.url, await w.s.key(["read:reviews", "write:reviews", "read:passports"], "alice"));
  bob = await connectMcp(w.s.url, await w.s.key(["read:reviews", "write:reviews", "read:passports"], "bob"));
  restKey = await w.s.key(["read:reviews", "read:passports"], "alice");
});
afterAll(async () => {
  await w.stop();
  receiver.stop();
});

const HEAD = `${"c".repeat(39)}1`;
// Six model findings on the changed lines (new lines 12–17 of routeFile), plus the planted secret: seven in all.
const warnings = [12, 13, 14, 15, 16, 17].map((line) => ({
  severity: "WARNING",
  confidence: 0.8,
  rule: `rule-${line}`,
  title: `Concern on line ${line}`,
  summary: "Worth a look.",
  filePath: routeFile.filename,
  startLine: line,
  endLine: line,
  quote: null,
}));

const rest = async (path: string) => (await w.s.request(path, { key: restKey })).json() as Promise<any>;

describe("the merge-gate loop over MCP", () => {
  let reviewRunId: string;
  let passportId: string;

  test("queue_checkpoint: queued, then its outcome lands on the passport", async () => {
    seedPull(w, 300, HEAD, [secretFile, routeFile]);
    const { structured, result } = await callOk(alice, "queue_checkpoint", { repositoryFullName: REPO, pullRequestNumber: 300, headSha: HEAD });
    expect(structured.checkpoint).toMatchObject({ status: "QUEUED", repository: REPO, pullRequestNumber: 300, headSha: HEAD, trigger: "api" });
    expect(textOf(result)).toContain(structured.checkpoint.checkpointId);
    await jobsIdle(w);
    const done = await rest(`/api/v1/checkpoints/${structured.checkpoint.checkpointId}`);
    expect(done.checkpoint).toMatchObject({ status: "COMPLETED", outcome: "block" });
    passportId = structured.checkpoint.changePassportId;
  });

  test("queue_review (with a per-run webhook) → get_review_run polled to COMPLETED, with all findings", async () => {
    scriptSpecialists(w.llm, { PERFORMANCE: warnings });
    const webhook = { url: receiver.endpoint("/mcp-run"), secret: "s".repeat(40), events: ["review.completed"] };
    const { structured, result } = await callOk(alice, "queue_review", { repositoryFullName: REPO, pullRequestNumber: 300, headSha: HEAD, pullRequestTitle: "Via MCP", webhook });
    expect(structured.review).toEqual({ reviewRunId: expect.any(String), status: "QUEUED", repository: REPO, pullRequestNumber: 300, headSha: HEAD });
    expect(textOf(result)).toContain("get_review_run");
    reviewRunId = structured.review.reviewRunId;

    const { reviewRun, text } = await pollRunOverMcp(alice, reviewRunId);
    expect(reviewRun).toMatchObject({ status: "COMPLETED", verdict: "FAIL", changePassportId: passportId, pullRequestTitle: "Via MCP" });
    expect(reviewRun.findingsTotal).toBe(7);
    expect(reviewRun.findings).toHaveLength(7);
    expect(reviewRun.findingsTruncated).toBe(false);
    // The same run as REST shows it with ?findings=all; REST's default caps at five.
    expect(reviewRun.findings).toEqual((await rest(`/api/v1/review-runs/${reviewRunId}?findings=all`)).reviewRun.findings);
    expect((await rest(`/api/v1/review-runs/${reviewRunId}`)).reviewRun.findings).toHaveLength(5);
    expect(text.split("\n")[0]).toBe(`FAIL · risk ${reviewRun.riskBand} · 7 findings · ${REPO}#300 @ ${HEAD.slice(0, 12)}`);
    expect(text).toContain(`[FAIL] SECURITY ${secretFile.filename}:2`);

    const [delivery] = await receiver.waitForDeliveries(1);
    expect(delivery.path).toBe("/mcp-run");
    expect(delivery.body).toMatchObject({ event: "review.completed", id: reviewRunId });
  }, 60_000);

  test("queue_review again for the same head returns the same run (deduplicated like REST)", async () => {
    await jobsIdle(w);
    const { structured } = await callOk(alice, "queue_review", { repositoryFullName: REPO, pullRequestNumber: 300, headSha: HEAD });
    expect(structured.review.reviewRunId).toBe(reviewRunId);
    await pollRunOverMcp(alice, reviewRunId);
    await jobsIdle(w);
  }, 60_000);

  test("list_review_runs: filters and pages like GET /api/v1/review-runs", async () => {
    const { structured, result } = await callOk(alice, "list_review_runs", { pullRequestNumber: 300, limit: 5 });
    expect(structured.reviewRuns.map((r: any) => r.reviewRunId)).toEqual([reviewRunId]);
    expect(structured).toEqual(await rest("/api/v1/review-runs?pullRequestNumber=300&limit=5"));
    expect(textOf(result)).toContain(reviewRunId);
  });

  test("get_merge_policy_outcome: by review run, by passport, by repository + number", async () => {
    const byRun = await callOk(alice, "get_merge_policy_outcome", { reviewRunId });
    expect(byRun.structured.mergePolicy).toMatchObject({ passportId, repository: REPO, pullRequestNumber: 300, headSha: HEAD, outcome: "block", stale: false });
    const passport = (await rest(`/api/v1/passports/${passportId}`)).passport;
    expect(byRun.structured.mergePolicy.outcome).toBe(passport.policyOutcome);
    expect(byRun.structured.mergePolicy.reasons).toEqual(passport.policyEvaluations.at(-1).reasons);
    expect(textOf(byRun.result)).toStartWith("Merge policy BLOCK");
    for (const args of [{ passportId }, { repositoryFullName: REPO, pullRequestNumber: 300 }]) {
      expect((await callOk(alice, "get_merge_policy_outcome", args)).structured).toEqual(byRun.structured);
    }
  });

  test("list_passports and get_passport: the same records as REST", async () => {
    const list = await callOk(alice, "list_passports", { repository: REPO });
    expect(list.structured).toEqual(await rest(`/api/v1/passports?repository=${REPO}`));
    expect(list.structured.passports.map((p: any) => p.passportId)).toContain(passportId);
    const one = await callOk(alice, "get_passport", { passportId });
    expect(one.structured.passport).toEqual((await rest(`/api/v1/passports/${passportId}`)).passport);
    expect(one.structured.passport.timeline.map((e: any) => e.kind)).toEqual(expect.arrayContaining(["checkpoint", "review", "policy"]));
    expect(textOf(one.result)).toContain(`Passport ${passportId}`);
  });

  test("export_passport: the exact signed canonical JSON, verifiable offline; structured content is the same bundle", async () => {
    const { structured, result } = await callOk(alice, "export_passport", { passportId });
    const bundle = textOf(result, 1);
    expect(verifyBundle(bundle)).toMatchObject({ valid: true });
    const signingKey = (await rest("/api/v1/passports/signing-key")).keys.find((k: any) => k.current).publicKey;
    expect(verifyBundle(bundle, signingKey)).toMatchObject({ valid: true });
    expect(structured).toEqual(JSON.parse(bundle));
    expect(structured.reviewRuns.map((r: any) => r.id)).toEqual([reviewRunId]);
    expect(textOf(result)).toContain("Signed bundle");
  });

  // The whole remedy loop over MCP (queue, poll, outcome) is in test/merge-gate/remedy.mcp.e2e.test.ts.
  test("queue_remedy refuses limits above the server's (422, nothing queued); get_remedy_status finds no remedy", async () => {
    const queued = await call(alice, "queue_remedy", { reviewRunId, limits: { maxTurns: 1_000 } });
    expect(queued.isError).toBe(true);
    expect(textOf(queued)).toMatch(/limits\.maxTurns: at most 2 for a remedy/);
    expect(queued._meta?.["critique/error"]).toMatchObject({ status: 422 });
    const status = await call(alice, "get_remedy_status", { reviewRunId });
    expect(status.isError).toBe(true);
    expect(textOf(status)).toMatch(/remedy run of review run .* not found/);
    expect((await rest(`/api/v1/review-runs/${reviewRunId}`)).reviewRun.latestRemedyRun).toBeNull();
  });

  test("another user's run, passport and pull request are not found", async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["get_review_run", { reviewRunId }, /Review run .* not found/],
      ["get_merge_policy_outcome", { reviewRunId }, /not found/],
      ["get_merge_policy_outcome", { repositoryFullName: REPO, pullRequestNumber: 300 }, /not found/],
      ["get_passport", { passportId }, /Passport .* not found/],
      ["export_passport", { passportId }, /Passport .* not found/],
      ["queue_remedy", { reviewRunId }, /Review run .* not found/],
      ["get_remedy_status", { reviewRunId }, /Review run .* not found/],
      ["queue_review", { repositoryFullName: REPO, pullRequestNumber: 300, headSha: HEAD }, /not found|installation/i],
      ["queue_checkpoint", { repositoryFullName: REPO, pullRequestNumber: 300, headSha: HEAD }, /not found|installation/i],
    ];
    for (const [name, args, message] of cases) {
      const result = await call(bob, name, args);
      expect({ name, isError: result.isError }).toEqual({ name, isError: true });
      expect(textOf(result)).toMatch(message);
      expect(result._meta?.["critique/error"]).toMatchObject({ status: 404 });
    }
    expect((await callOk(bob, "list_review_runs", {})).structured).toEqual({ reviewRuns: [], nextCursor: null });
    expect((await callOk(bob, "list_passports", {})).structured).toEqual({ passports: [], nextCursor: null });
  });
});
