import { afterAll, beforeAll, expect, test } from "bun:test";
import { verifyCritiqueWebhook } from "../fakes/verify-critique-webhook.ts";
import { LIFECYCLE_SECRET, registerEndpoint, startWebhookWorld, type WebhookWorld } from "../webhooks/world.ts";
import { jobsIdle, REPO, routeFile, scriptSpecialists, secretFile, seedPull } from "./harness.ts";

// Change control's lifecycle events reach subscribed endpoints, signed like every delivery.
let w: WebhookWorld;
beforeAll(async () => {
  w = await startWebhookWorld();
  scriptSpecialists(w.llm, {});
});
afterAll(() => w.stop());

test("checkpoint.gate.evaluated, merge_policy.evaluated and passport.snapshot.created are delivered and signed", async () => {
  await registerEndpoint(w, { url: w.receiver.endpoint("/cc"), events: ["checkpoint.gate.evaluated", "merge_policy.evaluated", "passport.snapshot.created"] });
  const sha = `${"e".repeat(39)}5`;
  seedPull(w, 110, sha, [secretFile, routeFile]);
  const res = await w.s.request("/api/v1/checkpoints", { method: "POST", key: w.alice, json: { repositoryFullName: REPO, pullRequestNumber: 110, headSha: sha } });
  expect(res.status).toBe(202);
  await jobsIdle(w);
  // One checkpoint → its event, a passport snapshot for it, a policy evaluation and the snapshot that records it.
  const deliveries = await w.receiver.waitForDeliveries(4);
  const byEvent = Object.groupBy(deliveries, (d) => d.headers["x-critique-webhook-event"]);
  expect(Object.keys(byEvent).sort()).toEqual(["checkpoint.gate.evaluated", "merge_policy.evaluated", "passport.snapshot.created"]);
  for (const d of deliveries) {
    expect(d.headers["user-agent"]).toBe("Critique-Lifecycle-Webhook/1.0");
    expect(verifyCritiqueWebhook(LIFECYCLE_SECRET, d.rawBody, d.headers["x-critique-webhook-signature"])).toBe(true);
  }
  const checkpoint = JSON.parse(byEvent["checkpoint.gate.evaluated"]![0].rawBody);
  expect(checkpoint).toMatchObject({ event: "checkpoint.gate.evaluated", object: "checkpoint", outcome: "block", repository: REPO, pullRequest: { number: 110, headSha: sha } });
  expect(checkpoint.rules[0]).toMatchObject({ rule: "secrets", level: "block" });
  const policy = JSON.parse(byEvent["merge_policy.evaluated"]![0].rawBody);
  expect(policy).toMatchObject({ outcome: "block", changePassportId: checkpoint.changePassportId, checkpointId: checkpoint.id });
  expect(policy.reasons).toContain(`checkpoint blocked ${sha.slice(0, 12)}`);
  const snapshots = byEvent["passport.snapshot.created"]!.map((d) => JSON.parse(d.rawBody)).sort((a, b) => a.sequence - b.sequence);
  expect(snapshots.map((s) => [s.sequence, s.kind])).toEqual([
    [1, "checkpoint"],
    [2, "policy"],
  ]);
});
