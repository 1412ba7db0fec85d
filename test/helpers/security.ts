import { expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { revokeKey } from "../../src/auth/keys.ts";
import { hashKey } from "../../src/auth/key-format.ts";
import { SCOPES, type Scope } from "../../src/auth/scopes.ts";
import type { TestServer } from "./server.ts";

export interface ProtectedRoute {
  method: string;
  path: string;
  /** The scope the route needs; omit for routes any valid key may call. */
  scope?: Scope;
  json?: unknown;
}

async function expectError(res: Response, status: number, pattern?: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(res.headers.get("x-request-id")).toBeTruthy();
  const body = (await res.json()) as { error: string };
  expect(typeof body.error).toBe("string");
  if (pattern) expect(body.error).toMatch(pattern);
  expect(JSON.stringify(body)).not.toContain("    at ");
}

/** The security cases every authenticated route must pass: generated, so no route forgets one. */
export function securitySuite(server: () => TestServer, route: ProtectedRoute) {
  const call = (key?: string, headers: Record<string, string> = {}) => server().request(route.path, { method: route.method, key, json: route.json, headers });
  const label = `${route.method} ${route.path}`;

  test(`${label}: no key is 401 with WWW-Authenticate`, async () => {
    const res = await call();
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    await expectError(res, 401);
  });

  test(`${label}: malformed, unknown and non-bearer keys are 401`, async () => {
    await expectError(await call("crt_short"), 401);
    const valid = await server().key([route.scope ?? "read:reviews"]);
    const tampered = valid.slice(0, -1) + (valid.endsWith("A") ? "B" : "A");
    await expectError(await call(tampered), 401);
    await expectError(await server().request(route.path, { method: route.method, json: route.json, headers: { authorization: `Basic ${btoa("a:b")}` } }), 401);
  });

  test(`${label}: without a key, a malformed body or query is still 401, never a validation error`, async () => {
    const url = `${route.path}${route.path.includes("?") ? "&" : "?"}limit=not-a-number&cursor=${"x".repeat(300)}`;
    const res = await server().request(url, {
      method: route.method,
      ...(route.method === "GET" ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify({ unexpected: [1, 2, 3] }) }),
    });
    await expectError(res, 401);
    if (route.method !== "GET") {
      const broken = await server().request(route.path, { method: route.method, headers: { "content-type": "application/json" }, body: "{not json" });
      await expectError(broken, 401);
    }
  });

  test(`${label}: a revoked key is refused immediately`, async () => {
    const key = await server().key([route.scope ?? "read:reviews"]);
    const ctx = server().server.ctx;
    const [row] = await ctx.db.select().from(ctx.tables.apiKeys).where(eq(ctx.tables.apiKeys.hash, hashKey(key)));
    await revokeKey(ctx, row.id);
    await expectError(await call(key), 401);
  });

  test(`${label}: an expired key is refused`, async () => {
    const key = await server().key([route.scope ?? "read:reviews"]);
    const ctx = server().server.ctx;
    await ctx.db.update(ctx.tables.apiKeys).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(ctx.tables.apiKeys.hash, hashKey(key)));
    await expectError(await call(key), 401);
  });

  if (route.scope) {
    const required = route.scope;
    test(`${label}: a key without ${required} is 403 naming the scope`, async () => {
      const others = SCOPES.filter((s) => s !== required && s !== "admin");
      const key = await server().key(others as Scope[]);
      await expectError(await call(key), 403, new RegExp(required));
    });
  }
}
