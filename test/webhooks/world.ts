import { expect } from "bun:test";
import { waitFor } from "../fakes/http.ts";
import { WebhookReceiver } from "../fakes/webhook-receiver.ts";
import { type MergeGateWorld, startWorld } from "../merge-gate/harness.ts";

/** Secrets are at least 32 characters; these are recognisable in a database dump. */
export const LIFECYCLE_SECRET = "lifecycle-secret-0123456789-abcdefghijkl";
export const RUN_SECRET = "per-run-secret-ABCDEFGHIJ-0123456789-xyz";

/**
 * Loopback receivers are allowed (the SSRF guard would refuse them otherwise), and retries are fast: 4 attempts,
 * 100 ms doubling up to 400 ms, so "fails twice then succeeds" finishes in about a second.
 */
export const FAST_WEBHOOK_ENV = {
  CRITIQUE_WEBHOOK_ALLOWED_CIDRS: "127.0.0.0/8",
  CRITIQUE_WEBHOOK_MAX_ATTEMPTS: "4",
  CRITIQUE_WEBHOOK_RETRY_BASE_MS: "100",
  CRITIQUE_WEBHOOK_RETRY_MAX_MS: "400",
  CRITIQUE_JOB_POLL_MS: "50",
};

export interface WebhookWorld extends MergeGateWorld {
  receiver: WebhookReceiver;
  /** alice (controls the installation) and bob (controls nothing), each with manage:webhooks. */
  aliceHooks: string;
  bobHooks: string;
}

export async function startWebhookWorld(env: Record<string, string> = {}): Promise<WebhookWorld> {
  const world = await startWorld({ model: true, env: { ...FAST_WEBHOOK_ENV, ...env } });
  const receiver = WebhookReceiver.start();
  return {
    ...world,
    receiver,
    aliceHooks: await world.s.key(["manage:webhooks", "read:reviews"], "alice"),
    bobHooks: await world.s.key(["manage:webhooks"], "bob"),
    stop: async () => {
      await world.stop();
      receiver.stop();
    },
  };
}

export async function registerEndpoint(w: WebhookWorld, body: Record<string, unknown>, key = w.aliceHooks): Promise<{ id: string; [k: string]: unknown }> {
  const res = await w.s.request("/api/v1/webhook-endpoints", { method: "POST", key, json: { secret: LIFECYCLE_SECRET, ...body } });
  const json = (await res.json()) as any;
  expect(res.status, JSON.stringify(json)).toBe(201);
  return json.webhookEndpoint;
}

export async function listDeliveries(w: WebhookWorld, endpointId: string, key = w.aliceHooks): Promise<any[]> {
  const res = await w.s.request(`/api/v1/webhook-endpoints/${endpointId}/deliveries?limit=100`, { key });
  expect(res.status).toBe(200);
  return ((await res.json()) as any).deliveries;
}

/** Polls the deliveries route until one delivery matches (e.g. reached a final status). */
export function waitForDelivery(w: WebhookWorld, endpointId: string, match: (d: any) => boolean, what: string, timeoutMs = 20_000): Promise<any> {
  return waitFor(async () => (await listDeliveries(w, endpointId)).find(match), { timeoutMs, intervalMs: 50, what });
}

/** Recorded requests on one receiver path. */
export const at = (receiver: WebhookReceiver, path: string) => receiver.deliveries.filter((d) => d.path === path);
