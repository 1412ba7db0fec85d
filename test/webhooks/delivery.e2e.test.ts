import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import type { RecordedRequest } from "../fakes/http.ts";
import { verifyCritiqueWebhook } from "../fakes/verify-critique-webhook.ts";
import { pollRun, queue, REPO, routeFile, scriptSpecialists, seedPull } from "../merge-gate/harness.ts";
import { at, LIFECYCLE_SECRET, RUN_SECRET, registerEndpoint, startWebhookWorld, type WebhookWorld } from "./world.ts";

// Review runs → webhooks, end to end: real server, fake GitHub + model, a recording receiver on loopback.
let w: WebhookWorld;
beforeAll(async () => {
  w = await startWebhookWorld();
});
afterAll(() => w.stop());

const finding = { severity: "FAIL", confidence: 0.91, rule: "n-plus-one-insert", title: "Insert per user inside a loop", summary: "db.audit.insert runs once per user.", filePath: routeFile.filename, startLine: 11, endLine: 13, quote: "await db.audit.insert({ user: user.id });" };
const LIFECYCLE_KEYS = ["event", "timestamp", "id", "object", "status", "installationId", "repository", "pullRequest", "changePassportId", "verdict", "riskBand", "riskScore", "summary", "findingsCount", "findings", "urls"];
const FINDING_KEYS = ["specialist", "severity", "confidence", "title", "summary", "filePath", "startLine", "endLine", "fingerprint"];
let pr = 100;

async function reviewPull(webhook?: Record<string, unknown>, fail = false) {
  const number = pr++;
  const sha = `${number}`.padStart(40, "c");
  seedPull(w, number, sha, [routeFile]);
  scriptSpecialists(w.llm, { PERFORMANCE: [finding] });
  if (fail) w.gh.fail("GET /repos/{owner}/{repo}/compare/{basehead}", { status: 404, body: { message: "Not Found" } });
  const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: number, headSha: sha, ...(webhook ? { webhook } : {}) });
  expect(res.status).toBe(202);
  return pollRun(w, ((await res.json()) as any).review.reviewRunId);
}

/** The documented checks every receiver can make: the spec's snippet, and Standard Webhooks with its library. */
function expectSigned(d: RecordedRequest, secret: string, userAgent: string, event: string) {
  expect(d.headers["user-agent"]).toBe(userAgent);
  expect(d.headers["content-type"]).toBe("application/json");
  expect(d.headers["x-critique-webhook-event"]).toBe(event);
  expect(d.headers["x-critique-webhook-id"]).toBe(d.headers["webhook-id"]);
  expect(d.headers["x-critique-webhook-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
  expect(verifyCritiqueWebhook(secret, d.rawBody, d.headers["x-critique-webhook-signature"])).toBe(true);
  expect(verifyCritiqueWebhook("another-secret-0123456789-0123456789-x", d.rawBody, d.headers["x-critique-webhook-signature"])).toBe(false);
  const standard = new Webhook(secret, { format: "raw" });
  expect(standard.verify(d.rawBody, d.headers)).toEqual(JSON.parse(d.rawBody));
  // Replay protection: the same signed message with an old timestamp, or a changed one, is rejected.
  const old = String(Number(d.headers["webhook-timestamp"]) - 3_600);
  expect(() => standard.verify(d.rawBody, { ...d.headers, "webhook-timestamp": old })).toThrow();
  expect(() => standard.verify(d.rawBody, { ...d.headers, "webhook-signature": standard.sign(d.headers["webhook-id"], new Date(Number(old) * 1000), d.rawBody) })).toThrow();
}

describe("a review run fires both channels", () => {
  test("completed: lifecycle review.run.completed (the spec's shape) and per-run review.queued + review.completed", async () => {
    const life = await registerEndpoint(w, { url: w.receiver.endpoint("/life"), repositories: [REPO] });
    w.gh.addRepo("acme/api", { installationId: 77 });
    await registerEndpoint(w, { url: w.receiver.endpoint("/other-repo"), repositories: ["acme/api"] });
    await registerEndpoint(w, { url: w.receiver.endpoint("/bob") }, w.bobHooks);
    const run = await reviewPull({ url: w.receiver.endpoint("/run"), secret: RUN_SECRET, events: ["review.queued", "review.completed", "review.failed"] });
    expect(run.status).toBe("COMPLETED");
    await w.receiver.waitForDeliveries(3);
    await Bun.sleep(300);

    const [lifecycle] = at(w.receiver, "/life");
    expect(at(w.receiver, "/life")).toHaveLength(1);
    expectSigned(lifecycle, LIFECYCLE_SECRET, "Critique-Lifecycle-Webhook/1.0", "review.run.completed");
    const body = lifecycle.body as any;
    expect(Object.keys(body)).toEqual(LIFECYCLE_KEYS);
    expect(body).toMatchObject({ event: "review.run.completed", id: run.reviewRunId, object: "review.run", status: "completed", installationId: "77", repository: REPO });
    expect(body.pullRequest).toEqual({ number: run.pullRequestNumber, headSha: run.headSha });
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
    expect([body.verdict, body.riskBand, body.riskScore, body.summary, body.changePassportId]).toEqual([run.verdict, run.riskBand, run.riskScore, run.summary, run.changePassportId]);
    expect(body.findingsCount).toBe(run.findingsTotal);
    expect(body.findings.map((f: any) => Object.keys(f))).toEqual(run.findings.map(() => FINDING_KEYS));
    expect(body.findings).toEqual(run.findings.map(({ id: _id, novelty: _n, ...rest }: any) => rest));
    const base = w.s.server.ctx.config.publicUrl;
    expect(body.urls).toEqual({ reviewRun: `${base}/api/v1/review-runs/${run.reviewRunId}`, reviewRunWithFindings: `${base}/api/v1/review-runs/${run.reviewRunId}?findings=all`, dashboard: `${base}/dashboard/review-runs/${run.reviewRunId}` });
    expect(body.urls).toEqual(run.urls);

    const perRun = at(w.receiver, "/run");
    expect(perRun.map((d) => d.headers["x-critique-webhook-event"])).toEqual(["review.queued", "review.completed"]);
    for (const d of perRun) expectSigned(d, RUN_SECRET, "Critique-Review-Webhook/1.0", d.headers["x-critique-webhook-event"]);
    const completed = perRun[1].body as any;
    expect(completed).toMatchObject({ event: "review.completed", id: run.reviewRunId, status: "completed", verdict: run.verdict, findingsCount: 1 });
    expect(completed.findings).toEqual(run.findings.map(({ novelty: _n, ...rest }: any) => rest));
    expect((perRun[0].body as any)).toMatchObject({ event: "review.queued", status: "queued", verdict: null, findingsCount: 0 });
    expect(new Set(w.receiver.deliveries.map((d) => d.headers["x-critique-webhook-id"])).size).toBe(w.receiver.deliveries.length);

    // Bob controls no installation; an endpoint scoped to another repository hears nothing of this one.
    expect(at(w.receiver, "/bob")).toHaveLength(0);
    expect(at(w.receiver, "/other-repo")).toHaveLength(0);
    expect(life.repositories).toEqual([REPO]);
  });

  test("failed: review.run.failed with failureReason and summary, no findings; per-run defaults skip review.queued", async () => {
    const life = await registerEndpoint(w, { url: w.receiver.endpoint("/life-failed"), events: ["review.run.failed"] });
    const run = await reviewPull({ url: w.receiver.endpoint("/run-failed"), secret: RUN_SECRET }, true);
    expect(run.status).toBe("FAILED");
    const [failed] = await waitForPath("/life-failed", 1);
    expectSigned(failed, LIFECYCLE_SECRET, "Critique-Lifecycle-Webhook/1.0", "review.run.failed");
    const body = failed.body as any;
    expect(Object.keys(body)).toEqual(["event", "timestamp", "id", "object", "status", "installationId", "repository", "pullRequest", "changePassportId", "summary", "failureReason", "urls"]);
    expect(body).toMatchObject({ event: "review.run.failed", id: run.reviewRunId, status: "failed", failureReason: run.failureReason });
    expect(body.summary).toContain(run.failureReason);
    const [perRun] = await waitForPath("/run-failed", 1);
    expect(perRun.headers["x-critique-webhook-event"]).toBe("review.failed");
    expect(perRun.body).toMatchObject({ event: "review.failed", status: "failed", failureReason: run.failureReason });
    expect(life.events).toEqual(["review.run.failed"]);
    // Per-run events default to review.completed and review.failed: nothing was recorded for review.queued.
    const ctx = w.s.server.ctx;
    const rows = await ctx.db.select().from(ctx.tables.webhookDeliveries).where(eq(ctx.tables.webhookDeliveries.runId, run.reviewRunId));
    expect(rows.map((r) => r.event)).toEqual(["review.failed"]);
  });
});

async function waitForPath(path: string, count: number, timeoutMs = 20_000): Promise<RecordedRequest[]> {
  const deadline = Date.now() + timeoutMs;
  while (at(w.receiver, path).length < count) {
    if (Date.now() > deadline) throw new Error(`${path}: ${at(w.receiver, path).length} of ${count} deliveries`);
    await Bun.sleep(25);
  }
  return at(w.receiver, path);
}
