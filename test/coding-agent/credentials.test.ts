import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { eventsAfter } from "../../plugins/coding-agent/events.ts";
import { ensureUser } from "../../src/auth/users.ts";
import { openCredential } from "../../src/credentials/index.ts";
import { type CodingAgentHarness, startCodingAgent } from "../helpers/coding-agent.ts";
import { waitFor } from "../helpers/jobs.ts";
import { securitySuite } from "../helpers/security.ts";

// PUT / GET / DELETE /api/v1/account/openrouter-key: the caller's OpenRouter key for billing: "openrouter" runs.
// The key is sealed at rest and never returned: every response this file receives is kept and searched for it.

const PATH = "/api/v1/account/openrouter-key";
const KEY = "sk-or-v1-0123456789abcdef0123456789abcdef-9Zq7";
const OTHER_KEY = "sk-or-v1-fedcba9876543210fedcba9876543210-Wx3k";

let h: CodingAgentHarness;
let alice: string;
let bob: string;
let aliceId: string;

beforeAll(async () => {
  h = await startCodingAgent();
  alice = await h.server.key(["read:builder", "write:builder"]);
  bob = await h.server.key(["read:builder", "write:builder"], "bob");
  aliceId = (await ensureUser(h.server.server.ctx, "alice")).id;
});
afterAll(() => h.stop());

/** Every response body and header this file received, as raw text. */
const seen: string[] = [];

/** A request whose raw answer is recorded; returns the status, the headers and the parsed body (if any). */
async function call(method: string, json?: unknown, key = alice, path = PATH) {
  const res = await h.server.request(path, { method, key, json });
  const text = await res.text();
  seen.push(text, JSON.stringify([...res.headers]));
  return { res, text, body: text ? JSON.parse(text) : undefined };
}
const put = (apiKey: unknown, key = alice) => call("PUT", apiKey === undefined ? {} : { apiKey }, key);
const read = (key = alice) => call("GET", undefined, key);
const remove = (key = alice) => call("DELETE", undefined, key);

/** The error envelope: status, `{ error }` only, no-store, a request id. */
function errorOf(r: { res: Response; body: any }, status: number): string {
  expect(r.res.status, JSON.stringify(r.body)).toBe(status);
  expect(r.res.headers.get("cache-control")).toBe("no-store");
  expect(r.res.headers.get("x-request-id")).toBeTruthy();
  expect(Object.keys(r.body)).toEqual(["error"]);
  return r.body.error;
}

async function storedRow(userId = aliceId) {
  const ctx = h.server.server.ctx;
  const t = ctx.tables.userCredentials;
  const [row] = await ctx.db.select().from(t).where(and(eq(t.userId, userId), eq(t.name, "openrouter")));
  return row;
}

const credential = (key: string) => ({ name: "openrouter", hint: `…${key.slice(-4)}`, createdAt: expect.any(String), updatedAt: expect.any(String) });

describe("PUT /api/v1/account/openrouter-key", () => {
  test("a short, missing, non-string, oversized or padded-short apiKey is 422 naming apiKey, and nothing is stored", async () => {
    expect(errorOf(await put("sk-1234"), 422)).toBe("apiKey: must be an API key");
    expect(errorOf(await put("   sk-12   "), 422)).toBe("apiKey: must be an API key");
    expect(errorOf(await put(undefined), 422)).toBe("apiKey: is required (your OpenRouter API key)");
    expect(errorOf(await put(12345678901), 422)).toMatch(/^apiKey: /);
    expect(errorOf(await put("k".repeat(501)), 422)).toMatch(/^apiKey: /);
    expect(errorOf(await call("PUT", { apiKey: KEY, provider: "openrouter" }), 422)).toContain('"provider"');
    expect(await storedRow()).toBeUndefined();
    expect(errorOf(await read(), 404)).toBe("OpenRouter key not found");
  });

  test("stores the key and answers with its last four characters only", async () => {
    const r = await put(KEY);
    expect(r.res.status).toBe(200);
    expect(r.text).not.toContain(KEY);
    expect(r.body).toEqual({ credential: credential(KEY) });
    expect(r.body.credential.hint).toBe("…9Zq7");
  });

  test("the stored row is sealed: no column holds the key, and it opens to the key", async () => {
    const row = await storedRow();
    expect(row.hint).toBe(KEY.slice(-4));
    expect(row.value).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(KEY);
    expect(JSON.stringify(row)).not.toContain(KEY.slice(0, 16));
    expect(await openCredential(h.server.server.ctx, aliceId, "openrouter")).toBe(KEY);
  });

  test("a second PUT replaces the key: new hint, same createdAt, surrounding whitespace trimmed", async () => {
    const before = (await read()).body.credential;
    const r = await put(`  ${OTHER_KEY}\n`);
    expect(r.res.status).toBe(200);
    expect(r.body.credential).toEqual({ ...credential(OTHER_KEY), createdAt: before.createdAt });
    expect(Date.parse(r.body.credential.updatedAt)).toBeGreaterThanOrEqual(Date.parse(before.updatedAt));
    expect(await openCredential(h.server.server.ctx, aliceId, "openrouter")).toBe(OTHER_KEY);
    expect((await put(KEY)).res.status).toBe(200);
  });

  securitySuite(() => h.server, { method: "PUT", path: PATH, scope: "write:builder", json: { apiKey: "sk-or-never-stored-by-a-refused-call" } });
});

describe("GET /api/v1/account/openrouter-key", () => {
  test("shows the stored key's hint, never the key", async () => {
    const r = await read();
    expect(r.res.status).toBe(200);
    expect(r.text).not.toContain(KEY);
    expect(r.body).toEqual({ credential: credential(KEY) });
  });

  test("bob has no key of his own: 404, although alice has one", async () => {
    expect(errorOf(await read(bob), 404)).toBe("OpenRouter key not found");
  });

  securitySuite(() => h.server, { method: "GET", path: PATH, scope: "read:builder" });
});

describe("billing: openrouter needs the stored key", () => {
  test("with a key stored, a run may bill to it (and its answer does not carry the key)", async () => {
    const created = await call("POST", { prompt: "On my own key", billing: "openrouter" }, alice, "/api/v1/coding-agent/runs");
    expect(created.res.status).toBe(202);
    expect(created.body.run).toMatchObject({ status: "QUEUED", billing: "openrouter", model: "coder" });
    const id = created.body.run.id;
    // Cancelled once the turn has picked it up (a cancel racing the run out of QUEUED leaves it never ended).
    await waitFor(`run ${id} to leave QUEUED`, async () => (await call("GET", undefined, alice, `/api/v1/coding-agent/runs/${id}`)).body.run.status !== "QUEUED", 45_000);
    const cancelled = await call("POST", undefined, alice, `/api/v1/coding-agent/runs/${id}/cancel`);
    expect(cancelled.body.run.status).toBe("CANCELLED");
    await waitFor(`run ${id} to end`, async () => (await eventsAfter(h.server.server.ctx, id, 0)).some((e) => e.type === "end"), 45_000);
    expect((await call("GET", undefined, alice, `/api/v1/coding-agent/runs/${id}`)).body.run.billing).toBe("openrouter");
  }, 120_000);
});

describe("DELETE /api/v1/account/openrouter-key", () => {
  test("bob's DELETE is 404 and leaves alice's key alone", async () => {
    expect(errorOf(await remove(bob), 404)).toBe("OpenRouter key not found");
    expect((await read()).res.status).toBe(200);
  });

  test("forgets the key: 204 with no body; then GET and a second DELETE are 404", async () => {
    const r = await remove();
    expect(r.res.status).toBe(204);
    expect(r.text).toBe("");
    expect(await storedRow()).toBeUndefined();
    expect(errorOf(await read(), 404)).toBe("OpenRouter key not found");
    expect(errorOf(await remove(), 404)).toBe("OpenRouter key not found");
    expect(await openCredential(h.server.server.ctx, aliceId, "openrouter")).toBeUndefined();
  });

  test("without the key, billing: openrouter is 422 again", async () => {
    const r = await call("POST", { prompt: "On my own key", billing: "openrouter" }, alice, "/api/v1/coding-agent/runs");
    expect(errorOf(r, 422)).toMatch(/^billing: store your OpenRouter key first/);
  });

  securitySuite(() => h.server, { method: "DELETE", path: PATH, scope: "write:builder" });
});

test("no response in this file carried either key, in its body or its headers", () => {
  expect(seen.length).toBeGreaterThan(20);
  for (const text of seen) {
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(OTHER_KEY);
    expect(text).not.toContain(KEY.slice(0, 20));
  }
});
