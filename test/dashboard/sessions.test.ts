import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { setPassword } from "../../src/auth/passwords.ts";
import { revokeUserSessions } from "../../src/auth/sessions.ts";
import { PASSWORD, signIn } from "../helpers/dashboard.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

/** Sign-in, the session cookie and its flags, CSRF on the API, sign-out, expiry, password reset, throttling. */
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

const signInForm = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${s.url}/sign-in`, { method: "POST", redirect: "manual", headers, body: new URLSearchParams(fields) });
const me = (cookie: string, init: RequestInit = {}) => fetch(`${s.url}/api/v1/me`, { ...init, headers: { cookie, ...(init.headers as Record<string, string>) } });

describe("sign-in", () => {
  test("the right password sets an HttpOnly, SameSite=Lax session cookie (not Secure on http) and follows a local next", async () => {
    await setPassword(s.server.ctx, { name: "sina", password: PASSWORD });
    const res = await signInForm({ name: "sina", password: PASSWORD, next: "/dashboard/keys?x=1" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/dashboard/keys?x=1");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^critique_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=604800$/);
    expect(cookie).not.toContain("Secure");
  });

  test("a wrong password or an unknown name is the same 401 page, and no cookie", async () => {
    for (const fields of [{ name: "sina", password: "not the password!!" }, { name: "nobody-here", password: PASSWORD }]) {
      const res = await signInForm(fields);
      expect(res.status).toBe(401);
      expect(res.headers.get("set-cookie")).toBeNull();
      expect(await res.text()).toContain("Wrong user name or password.");
    }
  });

  test("next never leaves the server (//host, absolute URLs, backslashes go to /dashboard)", async () => {
    for (const next of ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]) {
      const res = await signInForm({ name: "sina", password: PASSWORD, next });
      expect(res.headers.get("location")).toBe("/dashboard");
    }
  });

  test("after 10 failures for a name, sign-in is refused with 429 and Retry-After, even with the right password", async () => {
    await setPassword(s.server.ctx, { name: "tess", password: PASSWORD });
    for (let i = 0; i < 10; i++) expect((await signInForm({ name: "tess", password: `wrong password ${i}` })).status).toBe(401);
    const res = await signInForm({ name: "tess", password: PASSWORD });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  test("passwords shorter than 12 characters are refused", async () => {
    await expect(setPassword(s.server.ctx, { name: "shorty", password: "short" })).rejects.toThrow(/at least 12 characters/);
  });
});

describe("the session on the API", () => {
  test("the cookie authenticates /api/v1 with the user's scopes (no inference: that needs a key)", async () => {
    const b = await signIn(s, "uma");
    const res = await me(b.cookie);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.user.name).toBe("uma");
    expect(body.key.scopes).toContain("write:reviews");
    expect(body.key.scopes).not.toContain("inference");
    expect(body.key.scopes).not.toContain("admin");
  });

  test("a state-changing API request with the cookie needs X-CSRF-Token: 403 without, accepted with", async () => {
    const b = await signIn(s, "vic");
    const json = { url: "https://hooks.example.com/x", secret: "s".repeat(40) };
    const without = await fetch(`${s.url}/api/v1/webhook-endpoints`, { method: "POST", headers: { cookie: b.cookie, "content-type": "application/json" }, body: JSON.stringify(json) });
    expect(without.status).toBe(403);
    expect(((await without.json()) as any).error).toMatch(/CSRF token missing or invalid/);
    const wrong = await fetch(`${s.url}/api/v1/webhook-endpoints`, { method: "POST", headers: { cookie: b.cookie, "content-type": "application/json", "x-csrf-token": "nope" }, body: JSON.stringify(json) });
    expect(wrong.status).toBe(403);
    // With the token the request reaches the route: here its own answer (the endpoint does not exist), not a 403.
    const ok = await fetch(`${s.url}/api/v1/webhook-endpoints/nope`, { method: "DELETE", headers: { cookie: b.cookie, "x-csrf-token": b.csrf } });
    expect(ok.status).toBe(404);
    const refused = await fetch(`${s.url}/api/v1/webhook-endpoints/nope`, { method: "DELETE", headers: { cookie: b.cookie } });
    expect(refused.status).toBe(403);
  });

  test("a bearer key wins over the cookie", async () => {
    const b = await signIn(s, "wes");
    const key = await s.key(["read:reviews"], "someone-else");
    const body = (await (await me(b.cookie, { headers: { authorization: `Bearer ${key}` } })).json()) as any;
    expect(body.user.name).toBe("someone-else");
  });
});

describe("ending a session", () => {
  test("sign-out needs the CSRF field, then revokes the session: the cookie no longer works anywhere", async () => {
    const b = await signIn(s, "xia");
    expect((await b.post("/sign-out", {}, { csrf: false })).status).toBe(403);
    expect((await me(b.cookie)).status).toBe(200);
    const out = await b.post("/sign-out");
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await me(b.cookie)).status).toBe(401);
    const page = await b.get("/dashboard/review-runs");
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/sign-in?next=%2Fdashboard%2Freview-runs");
  });

  test("a password reset signs the user out everywhere", async () => {
    const one = await signIn(s, "yan");
    const [user] = await s.server.ctx.db.select().from(s.server.ctx.tables.users).where(eq(s.server.ctx.tables.users.name, "yan"));
    await setPassword(s.server.ctx, { name: "yan", password: `${PASSWORD} new` });
    await revokeUserSessions(s.server.ctx, user.id);
    expect((await me(one.cookie)).status).toBe(401);
  });

  test("an expired or long-idle session redirects to sign-in", async () => {
    const t = s.server.ctx.tables.sessions;
    for (const patch of [{ expiresAt: new Date(Date.now() - 1_000) }, { lastSeenAt: new Date(Date.now() - 25 * 60 * 60_000) }]) {
      const b = await signIn(s, `zed-${Object.keys(patch)[0]}`);
      const [user] = await s.server.ctx.db.select().from(s.server.ctx.tables.users).where(eq(s.server.ctx.tables.users.name, `zed-${Object.keys(patch)[0]}`));
      await s.server.ctx.db.update(t).set(patch).where(eq(t.userId, user.id));
      expect((await b.get("/dashboard/review-runs")).status).toBe(303);
      expect((await me(b.cookie)).status).toBe(401);
    }
  });
});

describe("the Secure flag", () => {
  test("with an https public URL the cookie is Secure", async () => {
    const secure = await startTestServer({ CRITIQUE_PUBLIC_URL: "https://critique.example.com" });
    try {
      await setPassword(secure.server.ctx, { name: "sec", password: PASSWORD });
      const res = await fetch(`${secure.url}/sign-in`, { method: "POST", redirect: "manual", body: new URLSearchParams({ name: "sec", password: PASSWORD }) });
      expect(res.headers.get("set-cookie")).toEndWith("; Secure");
    } finally {
      await secure.stop();
    }
  });
});
