import { afterAll, beforeAll, expect, test } from "bun:test";
import { publishLifecycleEvent } from "../../plugins/webhooks/index.ts";
import { REPO } from "../merge-gate/harness.ts";
import { at, listDeliveries, registerEndpoint, startWebhookWorld, waitForDelivery, type WebhookWorld } from "./world.ts";

/**
 * How answers drive attempts, through the real server and job workers: retries with backoff, Retry-After, 410,
 * redirects, the attempt log, redelivery. Events are published through the generic API later features use.
 */
let w: WebhookWorld;
beforeAll(async () => {
  w = await startWebhookWorld();
});
afterAll(() => w.stop());

let seq = 0;
async function publish(event: "review.run.completed" | "checkpoint.gate.evaluated" = "checkpoint.gate.evaluated") {
  const occurrence = `test-${seq++}`;
  const queued = await publishLifecycleEvent(w.s.server.ctx, { event, installationId: "77", repository: REPO, occurrence, payload: { event, occurrence, outcome: "warn" } });
  return { occurrence, queued };
}
const settled = (d: any) => d.status !== "pending";
const post = (path: string) => w.s.request(path, { method: "POST", key: w.aliceHooks });

test("a receiver that fails twice then succeeds gets the same delivery three times; every attempt is recorded", async () => {
  const endpoint = await registerEndpoint(w, { url: w.receiver.endpoint("/flaky"), events: ["checkpoint.gate.evaluated"] });
  w.receiver.respond({ path: "/flaky", status: 500, body: { error: "database is down" }, times: 2 });
  expect((await publish()).queued).toBe(1);
  const delivery = await waitForDelivery(w, endpoint.id, settled, "the flaky delivery to settle");
  expect(delivery).toMatchObject({ status: "delivered", attempts: 3, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
  expect(delivery.attemptLog.map((a: any) => [a.number, a.statusCode, a.outcome])).toEqual([
    [1, 500, "retry"],
    [2, 500, "retry"],
    [3, 200, "delivered"],
  ]);
  expect(delivery.attemptLog[0].responseBody).toContain("database is down");
  expect(delivery.attemptLog[0].error).toBe("HTTP 500");
  for (const a of delivery.attemptLog) expect(a.latencyMs).toBeGreaterThanOrEqual(0);
  const received = at(w.receiver, "/flaky");
  expect(received.map((d) => d.headers["x-critique-webhook-id"])).toEqual([delivery.id, delivery.id, delivery.id]);
  expect(new Set(received.map((d) => d.rawBody)).size).toBe(1);

  // Redeliver: same id, same body, one more attempt on record.
  const res = await post(`/api/v1/webhook-endpoints/${endpoint.id}/deliveries/${delivery.id}/redeliver`);
  expect(res.status).toBe(202);
  expect(((await res.json()) as any).delivery).toMatchObject({ id: delivery.id, status: "pending" });
  const again = await waitForDelivery(w, endpoint.id, (d) => d.id === delivery.id && d.status === "delivered" && d.attempts === 4, "the redelivery");
  expect(again.attemptLog.at(-1)).toMatchObject({ number: 4, statusCode: 200, outcome: "delivered" });
  const all = at(w.receiver, "/flaky");
  expect(all).toHaveLength(4);
  expect(all[3].headers["x-critique-webhook-id"]).toBe(delivery.id);
  expect(all[3].rawBody).toBe(all[0].rawBody);
  expect((await post(`/api/v1/webhook-endpoints/${endpoint.id}/deliveries/nope/redeliver`)).status).toBe(404);
});

test("a receiver that keeps failing gets the configured number of attempts, then the delivery fails", async () => {
  const endpoint = await registerEndpoint(w, { url: w.receiver.endpoint("/down"), events: ["checkpoint.gate.evaluated"] });
  w.receiver.respond({ path: "/down", status: 502, times: 10 });
  await publish();
  const delivery = await waitForDelivery(w, endpoint.id, settled, "the failing delivery to settle");
  expect(delivery).toMatchObject({ status: "failed", attempts: 4, maxAttempts: 4, lastStatusCode: 502, lastError: "HTTP 502", nextAttemptAt: null });
  expect(delivery.attemptLog.map((a: any) => a.outcome)).toEqual(["retry", "retry", "retry", "failed"]);
  expect(at(w.receiver, "/down")).toHaveLength(4);
});

test("429 with Retry-After waits at least that long before the next attempt", async () => {
  const endpoint = await registerEndpoint(w, { url: w.receiver.endpoint("/busy"), events: ["checkpoint.gate.evaluated"] });
  w.receiver.respond({ path: "/busy", status: 429, headers: { "retry-after": "1" } });
  await publish();
  const delivery = await waitForDelivery(w, endpoint.id, settled, "the rate-limited delivery to settle");
  expect(delivery.attemptLog.map((a: any) => [a.statusCode, a.outcome])).toEqual([
    [429, "retry"],
    [200, "delivered"],
  ]);
  // Backoff alone would retry after about 100 ms; Retry-After asked for a second.
  const [first, second] = at(w.receiver, "/busy");
  expect(second.at - first.at).toBeGreaterThanOrEqual(950);
});

test("a redirect is a failed attempt and is not followed", async () => {
  const endpoint = await registerEndpoint(w, { url: w.receiver.endpoint("/moved"), events: ["checkpoint.gate.evaluated"] });
  w.receiver.respond({ path: "/moved", status: 307, headers: { location: w.receiver.endpoint("/redirect-target") }, body: "", times: 4 });
  await publish();
  const delivery = await waitForDelivery(w, endpoint.id, settled, "the redirected delivery to settle");
  expect(delivery.status).toBe("failed");
  expect(delivery.attemptLog[0].error).toBe(`HTTP 307 (redirects are not followed: Location ${w.receiver.endpoint("/redirect-target")})`);
  expect(at(w.receiver, "/redirect-target")).toHaveLength(0);
});

test("410 Gone disables the endpoint: no more deliveries, no redelivery", async () => {
  const endpoint = await registerEndpoint(w, { url: w.receiver.endpoint("/gone"), events: ["checkpoint.gate.evaluated"] });
  w.receiver.respond({ path: "/gone", status: 410 });
  await publish();
  const delivery = await waitForDelivery(w, endpoint.id, settled, "the 410 delivery to settle");
  expect(delivery).toMatchObject({ status: "failed", attempts: 1, lastStatusCode: 410 });
  expect(delivery.attemptLog[0].outcome).toBe("gone");
  const list = (await (await w.s.request("/api/v1/webhook-endpoints", { key: w.aliceHooks })).json()) as any;
  const disabled = list.webhookEndpoints.find((e: any) => e.id === endpoint.id);
  expect(disabled).toMatchObject({ status: "disabled", disabledReason: expect.stringContaining("410") });
  expect(disabled.disabledAt).toEqual(expect.any(String));

  const before = at(w.receiver, "/gone").length;
  await publish();
  expect(await listDeliveries(w, endpoint.id)).toHaveLength(1);
  const redeliver = await post(`/api/v1/webhook-endpoints/${endpoint.id}/deliveries/${delivery.id}/redeliver`);
  expect(redeliver.status).toBe(409);
  expect(((await redeliver.json()) as any).error).toContain("disabled");
  expect(at(w.receiver, "/gone")).toHaveLength(before);
});

test("publishing the same occurrence twice delivers it once", async () => {
  const endpoint = await registerEndpoint(w, { url: w.receiver.endpoint("/once"), events: ["merge_policy.evaluated"] });
  const ctx = w.s.server.ctx;
  const input = { event: "merge_policy.evaluated" as const, installationId: "77", repository: REPO, occurrence: "same-one", payload: { n: 1 } };
  await publishLifecycleEvent(ctx, input);
  await publishLifecycleEvent(ctx, input);
  await waitForDelivery(w, endpoint.id, settled, "the delivery to settle");
  expect(await listDeliveries(w, endpoint.id)).toHaveLength(1);
  expect(at(w.receiver, "/once")).toHaveLength(1);
});
