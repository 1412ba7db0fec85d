import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SQL } from "bun";
import { securitySuite } from "../helpers/security.ts";
import { testDb } from "../helpers/env.ts";
import { queue, REPO } from "../merge-gate/harness.ts";
import { LIFECYCLE_SECRET, listDeliveries, RUN_SECRET, registerEndpoint, startWebhookWorld, type WebhookWorld } from "./world.ts";

// The lifecycle endpoint routes over HTTP: registration rules, ownership, masking, and secrets at rest.
let w: WebhookWorld;
beforeAll(async () => {
  w = await startWebhookWorld();
});
afterAll(() => w.stop());

const post = (json: unknown, key = w.aliceHooks) => w.s.request("/api/v1/webhook-endpoints", { method: "POST", key, json });
const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

describe("POST /api/v1/webhook-endpoints", () => {
  test("registers an endpoint; the secret is never returned, only a hint", async () => {
    const res = await post({ url: w.receiver.endpoint("/reg"), secret: LIFECYCLE_SECRET, events: ["review.run.completed"], repositories: [REPO], description: "CI bot" });
    expect(res.status).toBe(201);
    const text = await res.text();
    expect(text).not.toContain(LIFECYCLE_SECRET);
    const { webhookEndpoint } = JSON.parse(text);
    expect(webhookEndpoint).toEqual({
      id: expect.any(String),
      url: w.receiver.endpoint("/reg"),
      description: "CI bot",
      events: ["review.run.completed"],
      repositories: [REPO],
      secretHint: `…${LIFECYCLE_SECRET.slice(-4)}`,
      status: "active",
      disabledReason: null,
      disabledAt: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
  });

  test("events default to review.run.completed and review.run.failed", async () => {
    const endpoint = await registerEndpoint(w, { url: w.receiver.endpoint("/defaults") });
    expect(endpoint.events).toEqual(["review.run.completed", "review.run.failed"]);
    expect(endpoint.repositories).toBeNull();
  });

  test("a secret under 32 characters is 422", async () => {
    const res = await post({ url: w.receiver.endpoint(), secret: "x".repeat(31) });
    expect(res.status).toBe(422);
    expect(await errorOf(res)).toMatch(/secret: must be at least 32 characters/);
  });

  test("an unknown event is 422 naming the whole catalog", async () => {
    const res = await post({ url: w.receiver.endpoint(), secret: LIFECYCLE_SECRET, events: ["review.completed"] });
    expect(res.status).toBe(422);
    const message = await errorOf(res);
    for (const event of ["review.run.completed", "review.run.failed", "checkpoint.gate.evaluated", "merge_policy.evaluated", "passport.snapshot.created", "remedy.run.completed"]) {
      expect(message).toContain(event);
    }
  });

  test("a repository outside the user's installations is refused", async () => {
    const res = await post({ url: w.receiver.endpoint(), secret: LIFECYCLE_SECRET, repositories: [REPO] }, w.bobHooks);
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toContain(REPO);
  });

  test("the SSRF guard refuses internal targets at registration with 422", async () => {
    // 127.0.0.0/8 is allowed in this world; everything else internal is not.
    for (const url of ["https://10.0.0.8/h", "https://172.16.0.1/h", "https://192.168.0.1/h", "http://169.254.169.254/latest/meta-data/", "https://[::1]/h", "https://[::ffff:10.0.0.1]/h", "https://0.0.0.0/h", "https://167772161/h", "https://012.0.0.1/h"]) {
      const res = await post({ url, secret: LIFECYCLE_SECRET });
      expect(res.status, url).toBe(422);
      expect(await errorOf(res)).toMatch(/^url: .*(private|link-local|loopback|unspecified).*CRITIQUE_WEBHOOK_ALLOWED_CIDRS/);
    }
    const plain = await post({ url: "http://93.184.215.14/h", secret: LIFECYCLE_SECRET });
    expect(await errorOf(plain)).toMatch(/must use https/);
  });

  test("a per-run webhook on POST /api/v1/reviews gets the same check", async () => {
    const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 9, headSha: "abcdef1", webhook: { url: "https://169.254.169.254/x", secret: RUN_SECRET } });
    expect(res.status).toBe(422);
    expect(await errorOf(res)).toMatch(/^webhook\.url: 169\.254\.169\.254 is a link-local/);
  });
});

describe("ownership", () => {
  test("GET lists only the caller's endpoints, with the event catalog", async () => {
    const mine = await registerEndpoint(w, { url: w.receiver.endpoint("/mine") });
    const bobs = await registerEndpoint(w, { url: w.receiver.endpoint("/bobs") }, w.bobHooks);
    const res = await w.s.request("/api/v1/webhook-endpoints", { key: w.aliceHooks });
    const body = (await res.json()) as any;
    const ids = body.webhookEndpoints.map((e: any) => e.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(bobs.id);
    expect(body.eventCatalog.map((e: any) => e.name)).toContain("passport.snapshot.created");
    expect(JSON.stringify(body)).not.toContain(LIFECYCLE_SECRET);
  });

  test("someone else's endpoint is 404 on every route; the owner can delete it", async () => {
    const bobs = await registerEndpoint(w, { url: w.receiver.endpoint("/bobs2") }, w.bobHooks);
    for (const [method, path] of [
      ["DELETE", `/api/v1/webhook-endpoints/${bobs.id}`],
      ["GET", `/api/v1/webhook-endpoints/${bobs.id}/deliveries`],
      ["POST", `/api/v1/webhook-endpoints/${bobs.id}/deliveries/x/redeliver`],
    ]) {
      const res = await w.s.request(path, { method, key: w.aliceHooks });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await errorOf(res)).toMatch(/not found/);
    }
    expect(await listDeliveries(w, bobs.id, w.bobHooks)).toEqual([]);
    const del = await w.s.request(`/api/v1/webhook-endpoints/${bobs.id}`, { method: "DELETE", key: w.bobHooks });
    expect(del.status).toBe(204);
    expect((await w.s.request(`/api/v1/webhook-endpoints/${bobs.id}`, { method: "DELETE", key: w.bobHooks })).status).toBe(404);
  });
});

test("secrets are absent from a raw database dump (sealed with the secrets box)", async () => {
  await registerEndpoint(w, { url: w.receiver.endpoint("/dump") });
  const ok = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 10, headSha: "abcdef2", webhook: { url: w.receiver.endpoint("/run-dump"), secret: RUN_SECRET, events: ["review.queued"] } });
  expect(ok.status).toBe(202);
  const ctx = w.s.server.ctx;
  const [endpoint] = await ctx.db.select().from(ctx.tables.webhookEndpoints).limit(1);
  expect(endpoint.secret).toMatch(/^v1\./);
  const dump = await rawDump(w);
  // The dump is real: it holds the URLs and the sealed values, just not the secrets themselves.
  expect(dump).toContain(w.receiver.endpoint("/dump"));
  expect(dump).toContain(w.receiver.endpoint("/run-dump"));
  expect(dump).toContain(endpoint.secret);
  expect(dump).not.toContain(LIFECYCLE_SECRET);
  expect(dump).not.toContain(RUN_SECRET);
});

/** Every byte of the SQLite files (database and WAL), or every text column of every Postgres table. */
async function rawDump(world: WebhookWorld): Promise<string> {
  const config = world.s.server.ctx.config.database;
  if (testDb === "sqlite" && config.dialect === "sqlite") {
    const dir = world.s.backends.dataDir;
    return readdirSync(dir)
      .filter((f) => f.startsWith("critique.sqlite"))
      .map((f) => readFileSync(join(dir, f)).toString("latin1"))
      .join("\n");
  }
  if (config.dialect !== "postgres") throw new Error("unexpected database");
  const sql = new SQL(config.url);
  try {
    const tables = (await sql`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`) as { table_name: string }[];
    let out = "";
    for (const { table_name } of tables) out += JSON.stringify(await sql.unsafe(`SELECT * FROM "${table_name}"`));
    return out;
  } finally {
    await sql.close();
  }
}

describe("security", () => {
  const server = () => w.s;
  securitySuite(server, { method: "GET", path: "/api/v1/webhook-endpoints", scope: "manage:webhooks" });
  securitySuite(server, { method: "POST", path: "/api/v1/webhook-endpoints", scope: "manage:webhooks", json: { url: "https://93.184.215.14/h", secret: LIFECYCLE_SECRET } });
  securitySuite(server, { method: "DELETE", path: "/api/v1/webhook-endpoints/some-id", scope: "manage:webhooks" });
  securitySuite(server, { method: "GET", path: "/api/v1/webhook-endpoints/some-id/deliveries", scope: "manage:webhooks" });
  securitySuite(server, { method: "POST", path: "/api/v1/webhook-endpoints/some-id/deliveries/d1/redeliver", scope: "manage:webhooks" });
});
