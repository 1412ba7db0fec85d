import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createKey, listKeys } from "../../src/auth/keys.ts";
import { DEFAULT_SCOPES } from "../../src/auth/scopes.ts";
import { ensureUser } from "../../src/auth/users.ts";
import { newId } from "../../src/ids.ts";
import { type Browserless, signIn } from "../helpers/dashboard.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

/** API keys in the dashboard: own keys only, created once-shown, revoked with immediate effect on the API. */
let server: TestServer;
let alice: Browserless;
let bob: Browserless;
let root: Browserless;
beforeAll(async () => {
  server = await startTestServer();
  alice = await signIn(server, "alice");
  bob = await signIn(server, "bob");
  root = await signIn(server, "root", { admin: true });
});
afterAll(() => server.stop());

const ctx = () => server.server.ctx;
const XSS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>'];

/** A form post with repeated fields (several scopes), as a browser sends checkboxes. */
function postForm(who: Browserless, path: string, pairs: [string, string][], csrf = true) {
  const body = new URLSearchParams(csrf ? [["_csrf", who.csrf], ...pairs] : pairs);
  return fetch(`${server.url}${path}`, { method: "POST", redirect: "manual", headers: { cookie: who.cookie }, body });
}
const me = (key: string) => server.request("/api/v1/me", { key });
const keysOf = (user: string) => listKeys(ctx(), { user });
const plainKey = (page: string) => /<code id="new-key" class="secret">(crt_[^<]+)<\/code>/.exec(page)?.[1];

describe("GET /dashboard/keys", () => {
  test("without a session: 303 to sign-in, coming back here", async () => {
    const res = await fetch(`${server.url}/dashboard/keys`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/sign-in?next=%2Fdashboard%2Fkeys");
    const post = await fetch(`${server.url}/dashboard/keys`, { method: "POST", redirect: "manual", body: new URLSearchParams({ name: "x", scopes: "inference" }) });
    expect(post.status).toBe(303);
    expect(await keysOf("alice")).toEqual([]);
  });

  test("a user without keys gets the empty state and the create form: default scopes checked, admin not offered", async () => {
    const res = await alice.get("/dashboard/keys");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const page = await res.text();
    expect(page).toContain("You have no API keys yet.");
    expect(page).toContain('<a href="/dashboard/keys" aria-current="page">');
    for (const scope of DEFAULT_SCOPES) expect(page).toContain(`name="scopes" value="${scope}" checked>`);
    expect(page).not.toContain('value="admin"');
    expect(page).toContain('<option value="30d">');
  });

  test("only the signed-in user's keys are listed", async () => {
    await server.key(["read:reviews"], "bob");
    const bobs = await keysOf("bob");
    const alices = await (await alice.get("/dashboard/keys")).text();
    expect(alices).not.toContain(bobs[0].prefix);
    expect(alices).not.toContain(bobs[0].id);
    const bobsPage = await (await bob.get("/dashboard/keys")).text();
    expect(bobsPage).toContain(bobs[0].prefix);
    expect(bobsPage).toContain(`action="/dashboard/keys/${bobs[0].id}/revoke"`);
  });
});

describe("creating a key", () => {
  test("the new key is shown once, copyable, with the chosen scopes and expiry; it works on the API", async () => {
    const res = await postForm(alice, "/dashboard/keys", [["name", "ci"], ["scopes", "read:reviews"], ["scopes", "inference"], ["expiry", "30d"]]);
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const page = await res.text();
    const key = plainKey(page)!;
    expect(key).toStartWith("crt_");
    expect(page).toContain('data-copy="new-key"');
    expect(page).toContain("this is the only time it is shown");

    const [info] = (await keysOf("alice")).filter((k) => k.name === "ci");
    expect(info.scopes).toEqual(["read:reviews", "inference"]);
    const days = (new Date(info.expiresAt!).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    const who = await me(key);
    expect(who.status).toBe(200);
    expect(((await who.json()) as any).key.scopes).toEqual(["read:reviews", "inference"]);

    const list = await (await alice.get("/dashboard/keys")).text();
    expect(list).not.toContain(key);
    expect(list).toContain(info.prefix);
    expect(list).toContain(">ci</th>");
  });

  test("expiry none: the key never expires", async () => {
    const res = await postForm(alice, "/dashboard/keys", [["name", "forever"], ["scopes", "read:passports"], ["expiry", "none"]]);
    expect(res.status).toBe(201);
    expect((await keysOf("alice")).find((k) => k.name === "forever")!.expiresAt).toBeNull();
  });

  test("bad input re-shows the form with the problem (422), nothing minted", async () => {
    const before = (await keysOf("alice")).length;
    const noName = await postForm(alice, "/dashboard/keys", [["name", "  "], ["scopes", "inference"], ["expiry", "none"]]);
    expect(noName.status).toBe(422);
    expect(await noName.text()).toContain("Give the key a name");
    const noScope = await postForm(alice, "/dashboard/keys", [["name", "keep-me"], ["expiry", "none"]]);
    expect(noScope.status).toBe(422);
    const text = await noScope.text();
    expect(text).toContain("Pick at least one scope.");
    expect(text).toContain('value="keep-me"');
    expect((await postForm(alice, "/dashboard/keys", [["name", "x"], ["scopes", "inference"], ["expiry", "5y"]])).status).toBe(422);
    expect((await postForm(alice, "/dashboard/keys", [["name", "x"], ["scopes", "root"], ["expiry", "none"]])).status).toBe(422);
    expect((await keysOf("alice")).length).toBe(before);
  });

  test("admin is offered to admins only: a non-admin posting it gets 403", async () => {
    const before = (await keysOf("alice")).length;
    const res = await postForm(alice, "/dashboard/keys", [["name", "sneaky"], ["scopes", "admin"], ["expiry", "none"]]);
    expect(res.status).toBe(403);
    expect((await keysOf("alice")).length).toBe(before);

    expect(await (await root.get("/dashboard/keys")).text()).toContain('name="scopes" value="admin">');
    const ok = await postForm(root, "/dashboard/keys", [["name", "ops"], ["scopes", "admin"], ["expiry", "1y"]]);
    expect(ok.status).toBe(201);
    expect((await keysOf("root"))[0].scopes).toEqual(["admin"]);
  });

  test("without the CSRF field: 403 and no key", async () => {
    const before = (await keysOf("alice")).length;
    const res = await postForm(alice, "/dashboard/keys", [["name", "csrf-less"], ["scopes", "inference"], ["expiry", "none"]], false);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("CSRF token missing or invalid");
    expect((await keysOf("alice")).length).toBe(before);
  });
});

describe("revoking a key", () => {
  test("revoked from the page: the API refuses the key at once (401), the list shows it revoked", async () => {
    const key = plainKey(await (await postForm(alice, "/dashboard/keys", [["name", "to-revoke"], ["scopes", "read:reviews"], ["expiry", "none"]])).text())!;
    expect((await me(key)).status).toBe(200); // now verified and cached by the server
    const { id } = (await keysOf("alice")).find((k) => k.name === "to-revoke")!;

    const noCsrf = await alice.post(`/dashboard/keys/${id}/revoke`, {}, { csrf: false });
    expect(noCsrf.status).toBe(403);
    expect((await me(key)).status).toBe(200);

    const res = await alice.post(`/dashboard/keys/${id}/revoke`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/dashboard/keys?revoked=${id}`);
    expect((await me(key)).status).toBe(401);
    const page = await (await alice.get(res.headers.get("location")!)).text();
    expect(page).toContain("Revoked <strong>to-revoke</strong>");
    expect(page).not.toContain(`action="/dashboard/keys/${id}/revoke"`);
    expect(page).toContain("badge-failed");
  });

  test("someone else's key: the 404 page, and nothing is revoked", async () => {
    const key = await server.key(["read:reviews"], "bob");
    const target = (await keysOf("bob"))[0];
    const res = await alice.post(`/dashboard/keys/${target.id}/revoke`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toStartWith("text/html");
    expect(await res.text()).toContain("Not found");
    expect((await keysOf("bob")).find((k) => k.id === target.id)!.revokedAt).toBeNull();
    expect((await me(key)).status).toBe(200);
    expect((await alice.post("/dashboard/keys/0123456789abcdef0123456789abcdef/revoke")).status).toBe(404);
  });
});

test("key names are escaped in the result page, the list and the confirmation", async () => {
  for (const name of XSS) {
    const created = await (await postForm(alice, "/dashboard/keys", [["name", name], ["scopes", "read:reviews"], ["expiry", "none"]])).text();
    expect(created).not.toContain(name);
  }
  const page = await (await alice.get("/dashboard/keys")).text();
  for (const name of XSS) expect(page).not.toContain(name);
  expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  expect(page).toContain("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
  expect(page).not.toMatch(/<img/);
  expect(page).not.toMatch(/<script>alert/);
});

describe("the server's own run keys", () => {
  test("a coding-agent run's key is neither listed nor revocable on the page (it would break the run's model calls)", async () => {
    const runKey = await createKey(ctx(), { name: "coding-agent run for the page test", user: "alice", scopes: ["inference"] });
    const { id: userId } = await ensureUser(ctx(), "alice");
    const at = new Date();
    await ctx().db.insert(ctx().tables.codingAgentRuns).values({ id: newId(), userId, status: "IDLE", model: "m", billing: "credits", prompt: "p", provider: "local", limits: { maxMinutes: 1, maxCredits: 1, maxTurns: 1 }, runKeyId: runKey.id, createdAt: at, updatedAt: at });
    const page = await (await alice.get("/dashboard/keys")).text();
    expect(page).not.toContain(runKey.id);
    const revoke = await alice.post(`/dashboard/keys/${runKey.id}/revoke`);
    expect(revoke.status).toBe(404);
    expect((await me(runKey.key)).status).toBe(200);
  });
});
