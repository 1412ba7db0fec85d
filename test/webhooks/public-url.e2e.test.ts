import { afterAll, beforeAll, expect, test } from "bun:test";
import { waitFor } from "../fakes/http.ts";
import { LIFECYCLE_EVENTS } from "../../plugins/webhooks/index.ts";
import { pollRun, queue, REPO, routeFile, scriptSpecialists, secretFile, seedPull } from "../merge-gate/harness.ts";
import { registerEndpoint, startWebhookWorld, type WebhookWorld } from "./world.ts";

// Receivers (Slack relays, bots) follow `urls.*` from outside: every one is absolute under CRITIQUE_PUBLIC_URL,
// here written with a path prefix and a trailing slash, as behind a reverse proxy.
const BASE = "https://example.com/critique";
let w: WebhookWorld;
let key: string;
beforeAll(async () => {
  w = await startWebhookWorld({ CRITIQUE_PUBLIC_URL: `${BASE}/` });
  key = await w.s.key(["read:reviews", "write:reviews", "read:passports"], "alice");
  await registerEndpoint(w, { url: w.receiver.endpoint("/all"), repositories: [REPO], events: LIFECYCLE_EVENTS });
});
afterAll(() => w.stop());

const delivered = (event: string, id: string) =>
  waitFor(() => w.receiver.deliveries.find((d) => d.headers["x-critique-webhook-event"] === event && (d.body as any)?.id === id)?.body as any, { timeoutMs: 20_000, what: `${event} for ${id}` });

test("a review run's snapshot and its review.run.completed payload link absolutely, under the prefix", async () => {
  seedPull(w, 300, "3".repeat(40), [routeFile]);
  scriptSpecialists(w.llm, {});
  const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 300, headSha: "3".repeat(40) }, key);
  expect(res.status).toBe(202);
  const run = await pollRun(w, ((await res.json()) as any).review.reviewRunId, key);
  const id = run.reviewRunId;
  expect(run.urls).toEqual({
    reviewRun: `${BASE}/api/v1/review-runs/${id}`,
    reviewRunWithFindings: `${BASE}/api/v1/review-runs/${id}?findings=all`,
    dashboard: `${BASE}/dashboard/review-runs/${id}`,
  });
  expect((await delivered("review.run.completed", id)).urls).toEqual(run.urls);
  const list = (await (await w.s.request(`/api/v1/review-runs?repository=${REPO}`, { key })).json()) as any;
  expect(list.reviewRuns.find((r: any) => r.reviewRunId === id).urls).toEqual(run.urls);
});

test("checkpoint, passport and their change-control payloads link absolutely, under the prefix", async () => {
  const sha = "4".repeat(40);
  seedPull(w, 301, sha, [secretFile]);
  const res = await w.s.request("/api/v1/checkpoints", { method: "POST", key, json: { repositoryFullName: REPO, pullRequestNumber: 301, headSha: sha } });
  expect(res.status).toBe(202);
  const { checkpoint } = (await res.json()) as any;
  const passport = `${BASE}/api/v1/passports/${checkpoint.changePassportId}`;
  expect(checkpoint.urls).toEqual({ checkpoint: `${BASE}/api/v1/checkpoints/${checkpoint.checkpointId}`, passport });
  const passportUrls = { passport, export: `${passport}/export` };
  expect((await delivered("checkpoint.gate.evaluated", checkpoint.checkpointId)).urls).toEqual({ checkpoint: checkpoint.urls.checkpoint, ...passportUrls });
  // The checkpoint's passport snapshot, the policy evaluation and the snapshot that records it (change-events.e2e).
  const others = () => w.receiver.deliveries.map((d) => d.body as any).filter((b) => b.changePassportId === checkpoint.changePassportId && b.event !== "checkpoint.gate.evaluated");
  const events = await waitFor(() => (others().length >= 3 ? others() : undefined), { timeoutMs: 20_000, what: "the passport's change-control events" });
  expect(events.map((b) => b.event).sort()).toEqual(["merge_policy.evaluated", "passport.snapshot.created", "passport.snapshot.created"]);
  for (const body of events) expect(body.urls).toEqual(passportUrls);
  const view = (await (await w.s.request(`/api/v1/passports/${checkpoint.changePassportId}`, { key })).json()) as any;
  expect(view.passport.urls).toEqual(passportUrls);
});
