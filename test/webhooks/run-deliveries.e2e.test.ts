import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { queue, REPO, routeFile, scriptSpecialists, seedPull, pollRun } from "../merge-gate/harness.ts";
import { waitFor } from "../helpers/jobs.ts";
import { securitySuite } from "../helpers/security.ts";
import { RUN_SECRET, startWebhookWorld, type WebhookWorld } from "./world.ts";

/** A review run's own webhook: its deliveries with every attempt, and redelivery, as lifecycle endpoints have. */
let w: WebhookWorld;
let reviewer: string;
let outsider: string;
beforeAll(async () => {
  w = await startWebhookWorld();
  reviewer = await w.s.key(["read:reviews", "write:reviews"], "alice");
  outsider = await w.s.key(["read:reviews", "write:reviews"], "bob");
});
afterAll(() => w.stop());

let pr = 400;
async function reviewedWithWebhook() {
  const number = pr++;
  const sha = `${number}`.padStart(40, "d");
  seedPull(w, number, sha, [routeFile]);
  scriptSpecialists(w.llm, {});
  const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: number, headSha: sha, webhook: { url: w.receiver.endpoint(`/run-${number}`), secret: RUN_SECRET, events: ["review.queued", "review.completed"] } });
  return pollRun(w, ((await res.json()) as any).review.reviewRunId);
}
const list = (id: string, key = reviewer, query = "") => w.s.request(`/api/v1/review-runs/${id}/deliveries${query}`, { key });

describe("GET /api/v1/review-runs/{id}/deliveries", () => {
  test("lists the run webhook's deliveries, newest first, each with its attempts; then one is redelivered", async () => {
    w.receiver.respond({ path: `/run-${pr}`, status: 500, times: 1 });
    const run = await reviewedWithWebhook();
    const page = await waitFor("both deliveries delivered", async () => {
      const body = (await (await list(run.reviewRunId)).json()) as any;
      return body.deliveries.length === 2 && body.deliveries.every((d: any) => d.status === "delivered") ? body : undefined;
    }, 20_000);
    expect(page.deliveries.map((d: any) => d.event).sort()).toEqual(["review.completed", "review.queued"]);
    expect(page.deliveries[0].id > page.deliveries[1].id).toBe(true);
    // The receiver failed the first request it got (whichever event that was): that delivery shows both attempts.
    const outcomes = page.deliveries.map((d: any) => d.attemptLog.map((a: any) => a.outcome).join(",")).sort();
    expect(outcomes).toEqual(["delivered", "retry,delivered"]);
    const queued = page.deliveries.find((d: any) => d.attemptLog.length === 2);
    expect(queued.attemptLog[0].statusCode).toBe(500);
    expect(page.nextCursor).toBeNull();

    const before = w.receiver.deliveries.filter((d) => d.headers["x-critique-webhook-id"] === queued.id).length;
    const redelivered = await w.s.request(`/api/v1/review-runs/${run.reviewRunId}/deliveries/${queued.id}/redeliver`, { method: "POST", key: reviewer });
    expect(redelivered.status).toBe(202);
    await waitFor("the redelivery", () => w.receiver.deliveries.filter((d) => d.headers["x-critique-webhook-id"] === queued.id).length > before);
    const one = ((await (await list(run.reviewRunId, reviewer, "?limit=1")).json()) as any);
    expect(one.deliveries).toHaveLength(1);
    expect(one.nextCursor).toBe(one.deliveries[0].id);
  }, 60_000);

  test("someone who cannot see the run gets 404 on both routes; a delivery of another run is 404", async () => {
    const run = await reviewedWithWebhook();
    const other = await reviewedWithWebhook();
    const deliveries = await waitFor("deliveries", async () => {
      const body = (await (await list(other.reviewRunId)).json()) as any;
      return body.deliveries.length ? body.deliveries : undefined;
    });
    expect((await list(run.reviewRunId, outsider)).status).toBe(404);
    expect((await w.s.request(`/api/v1/review-runs/${run.reviewRunId}/deliveries/${deliveries[0].id}/redeliver`, { method: "POST", key: outsider })).status).toBe(404);
    const wrongRun = await w.s.request(`/api/v1/review-runs/${run.reviewRunId}/deliveries/${deliveries[0].id}/redeliver`, { method: "POST", key: reviewer });
    expect(wrongRun.status).toBe(404);
    expect(((await wrongRun.json()) as any).error).toBe(`Delivery ${deliveries[0].id} not found`);
  }, 60_000);
});

describe("security", () => {
  securitySuite(() => w.s, { method: "GET", path: "/api/v1/review-runs/some-id/deliveries", scope: "read:reviews" });
  securitySuite(() => w.s, { method: "POST", path: "/api/v1/review-runs/some-id/deliveries/d/redeliver", scope: "write:reviews" });
});
