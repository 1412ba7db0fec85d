import { afterAll, beforeAll, expect, test } from "bun:test";
import { publishLifecycleEvent } from "../../plugins/webhooks/index.ts";
import { PER_RECEIVER } from "../../src/webhooks/fairness.ts";
import { waitFor } from "../fakes/http.ts";
import { pollRun, queue, REPO, routeFile, scriptSpecialists, seedPull } from "../merge-gate/harness.ts";
import { at, listDeliveries, registerEndpoint, startWebhookWorld, waitForDelivery, type WebhookWorld } from "./world.ts";

/**
 * One receiver that hangs must not hold the job workers: more deliveries are queued for it than there are
 * workers, yet another receiver gets all of its deliveries and reviews run to completion while the hanging one
 * still holds its requests; it never has more than its share in flight.
 */
let w: WebhookWorld;
let slow: ReturnType<typeof Bun.serve>;
let open = 0;
let maxOpen = 0;
const release: (() => void)[] = [];
let gateOpen = false;

beforeAll(async () => {
  w = await startWebhookWorld({ CRITIQUE_JOB_CONCURRENCY: "6" });
  slow = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 60,
    fetch: async (request) => {
      open++;
      maxOpen = Math.max(maxOpen, open);
      let counted = true;
      const done = () => {
        if (counted) open--;
        counted = false;
      };
      // A client that gives up (the 8 s timeout) no longer counts as in flight.
      request.signal.addEventListener("abort", done);
      if (!gateOpen) await new Promise<void>((resolve) => release.push(resolve));
      done();
      return new Response("finally");
    },
  });
});
afterAll(async () => {
  gateOpen = true;
  for (const r of release.splice(0)) r();
  slow.stop(true);
  await w.stop();
});

test("a hanging receiver never delays another receiver or a review", async () => {
  const events = ["review.run.completed", "checkpoint.gate.evaluated"];
  const hanging = await registerEndpoint(w, { url: `http://127.0.0.1:${slow.port}/hang`, events });
  const healthy = await registerEndpoint(w, { url: w.receiver.endpoint("/healthy"), events });
  const ctx = w.s.server.ctx;
  // More deliveries for the hanging receiver than there are job workers (6).
  for (let i = 0; i < 10; i++) await publishLifecycleEvent(ctx, { event: "checkpoint.gate.evaluated", installationId: "77", repository: REPO, occurrence: `fair-${i}`, payload: { i } });

  const runs = [];
  for (let n = 300; n < 303; n++) {
    const sha = `${n}`.padStart(40, "d");
    seedPull(w, n, sha, [routeFile]);
    scriptSpecialists(w.llm, {});
    const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: n, headSha: sha });
    runs.push(((await res.json()) as any).review.reviewRunId);
  }
  for (const id of runs) expect((await pollRun(w, id)).status).toBe("COMPLETED");
  await waitForDelivery(w, healthy.id, () => at(w.receiver, "/healthy").length === 13, "13 deliveries to the healthy receiver");
  // The receiver records a request before the delivery job has read the answer and written its outcome.
  const settled = await waitFor(async () => {
    const rows = await listDeliveries(w, healthy.id);
    return rows.length === 13 && rows.every((d) => d.status !== "pending") ? rows : undefined;
  }, { what: "the healthy receiver's 13 deliveries to be settled" });
  expect(settled.every((d) => d.status === "delivered")).toBe(true);

  // All that happened while the hanging receiver held its requests, never more than its share at once.
  expect(gateOpen).toBe(false);
  expect(release.length).toBeGreaterThan(0);
  expect(maxOpen).toBeLessThanOrEqual(PER_RECEIVER);

  gateOpen = true;
  for (const r of release.splice(0)) r();
  await waitForDelivery(w, hanging.id, () => true, "a delivery record");
  const deadline = Date.now() + 30_000;
  let deliveries = await listDeliveries(w, hanging.id);
  while (deliveries.some((d) => d.status === "pending") && Date.now() < deadline) {
    await Bun.sleep(100);
    deliveries = await listDeliveries(w, hanging.id);
  }
  expect(deliveries).toHaveLength(13);
  expect(deliveries.every((d) => d.status === "delivered")).toBe(true);
  expect(maxOpen).toBeLessThanOrEqual(PER_RECEIVER);
}, 60_000);
