import { afterAll, beforeAll, expect, test } from "bun:test";
import { verifyCritiqueWebhook } from "../fakes/verify-critique-webhook.ts";
import { WebhookReceiver } from "../fakes/webhook-receiver.ts";
import { type CodingAgentHarness, startCodingAgent } from "../helpers/coding-agent.ts";

/** A run's webhooks: its own (`webhook` on the run) and the installation's lifecycle endpoints, signed. */
let h: CodingAgentHarness;
const receiver = WebhookReceiver.start();
const SECRET = "a-run-webhook-secret-of-32-chars-or-more";
beforeAll(async () => {
  h = await startCodingAgent({ env: { CRITIQUE_WEBHOOK_ALLOWED_CIDRS: "127.0.0.0/8" }, codingAgent: { idleTtlSeconds: 1 } });
});
afterAll(async () => {
  await h.stop();
  receiver.stop();
});

test("idle, then completed: to the run's webhook and to a lifecycle endpoint for the repository, each signed", async () => {
  const key = await h.server.key(["read:builder", "write:builder", "manage:webhooks"]);
  const endpoint = await h.server.request("/api/v1/webhook-endpoints", {
    method: "POST",
    key,
    json: { url: receiver.endpoint("/lifecycle"), secret: SECRET, events: ["coding_agent.run.idle", "coding_agent.run.completed"], repositories: [h.repo] },
  });
  expect(endpoint.status).toBe(201);
  h.upstream.script({ tool: "write", filePath: "/workspace/w.txt", content: "w\n" }, { say: "Wrote w.txt." });
  const { res, body } = await h.createRun(key, { prompt: "Write w", repository: h.repo, webhook: { url: receiver.endpoint("/run"), secret: SECRET } });
  expect(res.status).toBe(202);

  const deliveries = await receiver.waitForDeliveries(4, 30_000);
  const seen = deliveries.map((d) => [d.path, d.headers["x-critique-webhook-event"]]).sort();
  expect(seen).toEqual([
    ["/lifecycle", "coding_agent.run.completed"],
    ["/lifecycle", "coding_agent.run.idle"],
    ["/run", "coding_agent.run.completed"],
    ["/run", "coding_agent.run.idle"],
  ]);
  for (const delivery of deliveries) {
    expect(verifyCritiqueWebhook(SECRET, delivery.rawBody, delivery.headers["x-critique-webhook-signature"])).toBe(true);
    const payload = JSON.parse(delivery.rawBody);
    expect(payload).toMatchObject({ event: delivery.headers["x-critique-webhook-event"], object: "coding_agent.run", id: body.run.id, repository: h.repo });
    expect(delivery.rawBody).not.toContain(SECRET);
  }
  const idle = JSON.parse(deliveries.find((d) => d.path === "/run" && d.headers["x-critique-webhook-event"] === "coding_agent.run.idle")!.rawBody);
  expect(idle).toMatchObject({ status: "IDLE", turns: 1, summary: "Wrote w.txt.", diffstat: { files: 1 } });
  const completed = JSON.parse(deliveries.find((d) => d.path === "/run" && d.headers["x-critique-webhook-event"] === "coding_agent.run.completed")!.rawBody);
  expect(completed.status).toBe("COMPLETED");
  expect(completed.failureReason).toMatch(/idle for 1 s/);
}, 45_000);
