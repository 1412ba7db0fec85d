import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { publishLifecycleEvent } from "../../plugins/webhooks/index.ts";
import { LIFECYCLE_EVENTS } from "../../plugins/webhooks/model.ts";
import { WebhookReceiver } from "../fakes/webhook-receiver.ts";
import { type Browserless, signIn } from "../helpers/dashboard.ts";
import { waitFor } from "../helpers/jobs.ts";
import { type MergeGateWorld, pollRun, queue, REPO, routeFile, seedPull, startWorld } from "../merge-gate/harness.ts";
import { at, FAST_WEBHOOK_ENV, LIFECYCLE_SECRET } from "../webhooks/world.ts";

// The webhook pages, in process: endpoints created from the form, a real review delivering to a loopback receiver.
const XSS_SCRIPT = "<script>alert(1)</script>";
const XSS_ATTR = `"><img src=x onerror=alert(1)>`;
const ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;";
const ESCAPED_ATTR = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;";

let w: MergeGateWorld;
let receiver: WebhookReceiver;
let alice: Browserless;
let bob: Browserless;

beforeAll(async () => {
  w = await startWorld({ model: false, env: FAST_WEBHOOK_ENV });
  receiver = WebhookReceiver.start();
  alice = await signIn(w.s, "alice");
  bob = await signIn(w.s, "bob");
});
afterAll(async () => {
  await w.stop();
  receiver.stop();
});

/** A form post as a browser sends it: repeated `events` fields for the checked boxes. */
function submit(user: Browserless, fields: [string, string][], csrf = true) {
  const body = new URLSearchParams([...(csrf ? [["_csrf", user.csrf] as [string, string]] : []), ...fields]);
  return fetch(`${w.s.url}/dashboard/webhooks`, { method: "POST", redirect: "manual", headers: { cookie: user.cookie }, body });
}

async function create(fields: [string, string][]): Promise<string> {
  const res = await submit(alice, [["secret", LIFECYCLE_SECRET], ...fields]);
  expect(res.status, await res.clone().text()).toBe(303);
  const id = /^\/dashboard\/webhooks\/([0-9a-f]+)\?created=1$/.exec(res.headers.get("location") ?? "")?.[1];
  expect(id).toBeDefined();
  return id!;
}

function endpointsOf(name: string) {
  const ctx = w.s.server.ctx;
  const { webhookEndpoints: e, users: u } = ctx.tables;
  return ctx.db.select({ id: e.id }).from(e).innerJoin(u, eq(u.id, e.userId)).where(eq(u.name, name));
}

async function delivery(endpointId: string) {
  const ctx = w.s.server.ctx;
  const [row] = await ctx.db.select().from(ctx.tables.webhookDeliveries).where(eq(ctx.tables.webhookDeliveries.endpointId, endpointId));
  return row;
}

describe("endpoint list and form", () => {
  test("empty state, and a form with every lifecycle event as a labelled checkbox", async () => {
    const res = await alice.get("/dashboard/webhooks");
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain("No webhook endpoints yet");
    for (const event of LIFECYCLE_EVENTS) expect(page).toContain(`name="events" value="${event}"`);
    expect(page).toContain('<input type="checkbox" name="events" value="review.run.completed" checked>');
    expect(page).toContain("never shown again");
    expect(page).toContain("<legend>Events</legend>");
  });

  test("creating: escaped URL and description on the list and the endpoint page; the secret is never shown", async () => {
    const url = receiver.endpoint(`/hooks/${XSS_ATTR}`);
    const id = await create([["url", url], ["events", "remedy.run.failed"], ["events", "coding_agent.run.failed"], ["description", `mine ${XSS_SCRIPT}`], ["repositories", REPO]]);
    for (const path of ["/dashboard/webhooks", `/dashboard/webhooks/${id}?created=1`]) {
      const page = await (await alice.get(path)).text();
      expect(page).not.toContain(XSS_SCRIPT);
      expect(page).not.toContain("<img src=x");
      expect(page).toContain(ESCAPED_SCRIPT);
      expect(page).toContain(ESCAPED_ATTR);
      expect(page).not.toContain(LIFECYCLE_SECRET);
      expect(page).toContain(`…${LIFECYCLE_SECRET.slice(-4)}`);
    }
    const detail = await (await alice.get(`/dashboard/webhooks/${id}?created=1`)).text();
    expect(detail).toContain("<code>remedy.run.failed</code>, <code>coding_agent.run.failed</code>");
    expect(detail).toContain("never shown again");
    expect(detail).toContain("No deliveries yet");
  });

  test("a refused form is shown again with the message, not JSON, and nothing is saved", async () => {
    const before = (await endpointsOf("alice")).length;
    const cases: [fields: [string, string][], status: number, message: string][] = [
      [[["url", receiver.endpoint("/x")], ["secret", "too-short"], ["events", "review.run.completed"]], 422, "secret: must be at least 32 characters"],
      [[["url", receiver.endpoint("/x")], ["secret", LIFECYCLE_SECRET]], 422, "events: must name at least one of"],
      [[["url", "http://10.1.2.3/hook"], ["secret", LIFECYCLE_SECRET], ["events", "review.run.completed"]], 422, "url:"],
      [[["url", receiver.endpoint("/x")], ["secret", LIFECYCLE_SECRET], ["events", "review.run.completed"], ["repositories", "acme/elsewhere"]], 404, "acme/elsewhere"],
    ];
    for (const [fields, status, message] of cases) {
      const res = await submit(alice, fields);
      expect(res.status).toBe(status);
      expect(res.headers.get("content-type")).toContain("text/html");
      const page = await res.text();
      expect(page).toContain('role="alert"');
      expect(page).toContain(message);
      expect(page).toContain('<form method="post" action="/dashboard/webhooks"');
    }
    expect(await endpointsOf("alice")).toHaveLength(before);
  });

  test("without the CSRF field the post is a 403 and nothing is saved; without a session, sign-in", async () => {
    const before = (await endpointsOf("alice")).length;
    const res = await submit(alice, [["url", receiver.endpoint("/x")], ["secret", LIFECYCLE_SECRET], ["events", "review.run.completed"]], false);
    expect(res.status).toBe(403);
    expect(await endpointsOf("alice")).toHaveLength(before);
    for (const path of ["/dashboard/webhooks", "/dashboard/webhooks/abc?status=failed"]) {
      const anonymous = await fetch(`${w.s.url}${path}`, { redirect: "manual" });
      expect(anonymous.status).toBe(303);
      expect(anonymous.headers.get("location")).toBe(`/sign-in?next=${encodeURIComponent(path)}`);
    }
  });
});

describe("deliveries", () => {
  let endpointId: string;
  let deliveryId: string;

  test("a review's delivery shows every attempt (code, duration, error, escaped answer)", async () => {
    endpointId = await create([["url", receiver.endpoint("/life")], ["events", "review.run.completed"]]);
    receiver.respond({ path: "/life", status: 500, body: `down ${XSS_SCRIPT}` });
    const sha = "e".repeat(40);
    seedPull(w, 9, sha, [routeFile]);
    const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 9, headSha: sha });
    expect(res.status).toBe(202);
    await pollRun(w, ((await res.json()) as any).review.reviewRunId);
    const row = await waitFor("the delivery to be delivered", async () => {
      const d = await delivery(endpointId);
      return d?.status === "delivered" && d;
    });
    deliveryId = row.id;
    expect(row.attempts).toBe(2);
    const page = await (await alice.get(`/dashboard/webhooks/${endpointId}`)).text();
    expect(page).toContain(`id="delivery-${deliveryId}"`);
    expect(page).toContain("<code>review.run.completed</code>");
    expect(page).toMatch(/<th scope="row">1<\/th><td><time[^>]*>[^<]*<\/time><\/td><td><span class="badge badge-warn">retry<\/span><\/td>\n<td>500<\/td><td>\d+ ms<\/td><td><span class="error">HTTP 500<\/span><\/td>/);
    expect(page).toMatch(/<th scope="row">2<\/th><td><time[^>]*>[^<]*<\/time><\/td><td><span class="badge badge-completed">delivered<\/span><\/td>\n<td>200<\/td>/);
    expect(page).toContain(`down ${ESCAPED_SCRIPT}`);
    expect(page).not.toContain(XSS_SCRIPT);
    expect(page).toContain(`action="/dashboard/webhooks/${endpointId}/deliveries/${deliveryId}/redeliver"`);
  });

  test("Redeliver without the CSRF field is a 403 and sends nothing; with it, a fresh attempt arrives", async () => {
    const path = `/dashboard/webhooks/${endpointId}/deliveries/${deliveryId}/redeliver`;
    expect((await alice.post(path, {}, { csrf: false })).status).toBe(403);
    expect(await delivery(endpointId)).toMatchObject({ status: "delivered", attempts: 2 });

    const res = await alice.post(path);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/dashboard/webhooks/${endpointId}?redelivered=${deliveryId}#delivery-${deliveryId}`);
    await receiver.waitForDeliveries(3);
    await waitFor("the redelivery to be delivered", async () => {
      const d = await delivery(endpointId);
      return d.status === "delivered" && d.attempts === 3;
    });
    const received = at(receiver, "/life");
    expect(received).toHaveLength(3);
    expect(received[2].headers["x-critique-webhook-id"]).toBe(deliveryId);
    expect(received[2].rawBody).toBe(received[0].rawBody);
    const page = await (await alice.get(`/dashboard/webhooks/${endpointId}?redelivered=${deliveryId}`)).text();
    expect(page).toContain("Redelivery queued");
    expect(page).toMatch(/<th scope="row">3<\/th><td><time[^>]*>[^<]*<\/time><\/td><td><span class="badge badge-completed">delivered<\/span><\/td>\n<td>200<\/td>/);
  });

  test("someone else's endpoint is a 404 page for every action, and stays as it was", async () => {
    for (const res of [await bob.get(`/dashboard/webhooks/${endpointId}`), await bob.post(`/dashboard/webhooks/${endpointId}/delete`), await bob.post(`/dashboard/webhooks/${endpointId}/deliveries/${deliveryId}/redeliver`)]) {
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(await res.text()).toContain(`Webhook endpoint ${endpointId} not found`);
    }
    expect(await delivery(endpointId)).toMatchObject({ status: "delivered", attempts: 3 });
    const list = await (await bob.get("/dashboard/webhooks")).text();
    expect(list).toContain("No webhook endpoints yet");
    expect(list).not.toContain(endpointId);
  });

  test("long delivery lists page with the cursor", async () => {
    const id = await create([["url", receiver.endpoint("/many")], ["events", "checkpoint.gate.evaluated"]]);
    for (let i = 0; i < 21; i++) await publishLifecycleEvent(w.s.server.ctx, { event: "checkpoint.gate.evaluated", installationId: "77", repository: REPO, occurrence: `page-${i}`, payload: { i } });
    const ctx = w.s.server.ctx;
    const d = ctx.tables.webhookDeliveries;
    await waitFor("21 deliveries delivered", async () => (await ctx.db.select({ id: d.id }).from(d).where(and(eq(d.endpointId, id), eq(d.status, "delivered")))).length === 21, 30_000);
    const first = await (await alice.get(`/dashboard/webhooks/${id}`)).text();
    expect(first.match(/<article class="card" id="delivery-/g)).toHaveLength(20);
    const older = /<a href="(\/dashboard\/webhooks\/[0-9a-f]+\?cursor=[0-9a-f]+)">Older/.exec(first)?.[1];
    expect(older).toBeDefined();
    const second = await (await alice.get(older!)).text();
    expect(second.match(/<article class="card" id="delivery-/g)).toHaveLength(1);
    const filtered = await (await alice.get(`/dashboard/webhooks/${id}?status=failed`)).text();
    expect(filtered).toContain("No failed deliveries.");
    expect((await alice.get(`/dashboard/webhooks/${id}?cursor=nope`)).status).toBe(422);
  });

  test("delete: 403 without the CSRF field; then the endpoint and its history are gone", async () => {
    expect((await alice.post(`/dashboard/webhooks/${endpointId}/delete`, {}, { csrf: false })).status).toBe(403);
    expect((await endpointsOf("alice")).some((e) => e.id === endpointId)).toBe(true);
    const res = await alice.post(`/dashboard/webhooks/${endpointId}/delete`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/dashboard/webhooks?deleted=1");
    expect((await endpointsOf("alice")).some((e) => e.id === endpointId)).toBe(false);
    expect(await delivery(endpointId)).toBeUndefined();
    const list = await (await alice.get("/dashboard/webhooks?deleted=1")).text();
    expect(list).toContain("Endpoint deleted");
    expect(list).toContain('data-confirm="Delete this endpoint and its delivery history?"');
    expect((await alice.get(`/dashboard/webhooks/${endpointId}`)).status).toBe(404);
  });
});
