import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { securitySuite } from "./helpers/security.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

describe("operations", () => {
  test("healthz answers ok with a request id", async () => {
    const res = await s.request("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("a sane incoming x-request-id is echoed, a hostile one replaced", async () => {
    expect((await s.request("/healthz", { headers: { "x-request-id": "trace-123" } })).headers.get("x-request-id")).toBe("trace-123");
    expect((await s.request("/healthz", { headers: { "x-request-id": "a b<script>" } })).headers.get("x-request-id")).not.toContain("<");
  });

  test("readyz reports the database", async () => {
    const res = await s.request("/readyz");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; checks: Record<string, string> };
    expect(body.status).toBe("ready");
    expect(body.checks.database).toBe("ok");
  });

  test("metrics are Prometheus text with per-route request counts", async () => {
    await s.request("/healthz");
    const res = await s.request("/metrics");
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain('critique_http_requests_total{method="GET",route="/healthz",status="200"}');
    expect(text).toContain("critique_http_request_duration_seconds_bucket");
  });
});

describe("error envelope", () => {
  test("unknown API routes are 404 in the envelope with no-store", async () => {
    const res = await s.request("/api/v1/does-not-exist");
    expect(res.status).toBe(404);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ error: "No route for GET /api/v1/does-not-exist" });
  });
});

describe("GET /api/v1/me", () => {
  test("returns the key's user and scopes", async () => {
    const key = await s.key(["read:reviews", "inference"], "bob");
    const res = await s.request("/api/v1/me", { key });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as { user: { name: string }; key: { scopes: string[] } };
    expect(body.user.name).toBe("bob");
    expect(body.key.scopes).toEqual(["read:reviews", "inference"]);
  });

  securitySuite(() => s, { method: "GET", path: "/api/v1/me" });
});
