import { afterAll, beforeAll, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { grantInstallation } from "../../src/github/installations.ts";
import { publishLifecycleEvent } from "../../plugins/webhooks/index.ts";
import { createKey } from "../../src/auth/keys.ts";
import { ensureUser } from "../../src/auth/users.ts";
import type { AppContext } from "../../src/context.ts";
import { WebhookReceiver } from "../fakes/webhook-receiver.ts";
import { createBackends, type TestBackends } from "../helpers/databases.ts";
import { legName } from "../helpers/env.ts";
import { closeContext, jobContext, serveProcesses, waitFor } from "../helpers/jobs.ts";
import { LIFECYCLE_SECRET } from "./world.ts";

/**
 * Deliveries are jobs, and the row is the truth: `critique serve` is SIGKILLed while a receiver holds a delivery
 * open; after a restart the delivery is sent exactly once more, under the same id, and both attempts are on
 * record (the first as interrupted). Short leases so the lost worker is noticed within seconds.
 */
let backends: TestBackends;
let ctx: AppContext; // not a worker: publishes the event and reads rows
let env: Record<string, string>;
let key: string;
let receiver: WebhookReceiver;
const servers = serveProcesses();

beforeAll(async () => {
  backends = await createBackends();
  receiver = WebhookReceiver.start();
  env = { ...backends.env, CRITIQUE_JOB_LEASE_MS: "1500", CRITIQUE_JOB_POLL_MS: "100", CRITIQUE_WEBHOOK_ALLOWED_CIDRS: "127.0.0.0/8", CRITIQUE_LOG_LEVEL: "info" };
  ctx = await jobContext(backends, { ...env, CRITIQUE_LOG_LEVEL: "silent" });
  const alice = await ensureUser(ctx, "alice");
  await grantInstallation(ctx, "77", alice.id);
  key = (await createKey(ctx, { name: "sigkill-webhooks", user: "alice", scopes: ["manage:webhooks"] })).key;
});
afterAll(async () => {
  await servers.killAll();
  receiver.stop();
  await closeContext(ctx);
  await backends.dispose();
});

const serve = () => servers.spawn(env);

test(`a delivery interrupted by SIGKILL is sent exactly once more after a restart (${legName})`, async () => {
  const first = await serve();
  const res = await fetch(`${first.url}/api/v1/webhook-endpoints`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ url: receiver.endpoint("/crash"), secret: LIFECYCLE_SECRET, events: ["passport.snapshot.created"] }),
  });
  expect(res.status).toBe(201);
  // The receiver holds the first request open far longer than the test takes; the second is answered at once.
  receiver.respond({ path: "/crash", delayMs: 60_000 });
  await publishLifecycleEvent(ctx, { event: "passport.snapshot.created", installationId: "77", repository: "acme/web", occurrence: "snap-1", payload: { event: "passport.snapshot.created", passportId: "p1" } });
  const [held] = await receiver.waitForDeliveries(1, 20_000);

  expect(await first.signal("SIGKILL")).toBeNull();
  const t = ctx.tables.webhookDeliveries;
  const [orphan] = await ctx.db.select().from(t).where(eq(t.id, held.headers["x-critique-webhook-id"]));
  expect(orphan).toMatchObject({ status: "pending", attempts: 1 });

  const second = await serve();
  const delivered = await waitFor(
    "the delivery to complete after the restart",
    async () => {
      const [row] = await ctx.db.select().from(t).where(eq(t.id, orphan.id));
      return row?.status === "delivered" ? row : undefined;
    },
    30_000,
  ).catch((error) => {
    throw new Error(`${error.message}\n--- restarted server:\n${second.logs()}`);
  });
  expect(delivered.attempts).toBe(2);
  expect(receiver.deliveries).toHaveLength(2);
  expect(receiver.deliveries[1].headers["x-critique-webhook-id"]).toBe(orphan.id);
  expect(receiver.deliveries[1].rawBody).toBe(held.rawBody);
  const a = ctx.tables.webhookAttempts;
  const attempts = await ctx.db.select().from(a).where(eq(a.deliveryId, orphan.id)).orderBy(a.number);
  expect(attempts.map((x) => [x.number, x.outcome])).toEqual([
    [1, "interrupted"],
    [2, "delivered"],
  ]);

  expect(await second.signal("SIGTERM")).toBe(0);
  // Nothing sent it a third time, during the run or the shutdown.
  expect(receiver.deliveries).toHaveLength(2);
}, 90_000);
