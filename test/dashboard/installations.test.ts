import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { ensureUser } from "../../src/auth/users.ts";
import { upsertInstallation, upsertRepositories } from "../../src/github/installations.ts";
import { type Browserless, signIn } from "../helpers/dashboard.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

// The admin-only installations page, in process: installations recorded as GitHub's events would record them.
const XSS_SCRIPT = "<script>alert(1)</script>";
const XSS_ATTR = `"><img src=x onerror=alert(1)>`;
const ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;";
const ESCAPED_ATTR = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;";

let s: TestServer;
let admin: Browserless;
let carol: Browserless;

beforeAll(async () => {
  s = await startTestServer();
  admin = await signIn(s, "root", { admin: true });
  carol = await signIn(s, "carol");
});
afterAll(() => s.stop());

async function membersOf(installationId: string) {
  const { installationMembers: m, users: u } = s.server.ctx.tables;
  const rows = await s.server.ctx.db.select({ name: u.name }).from(m).innerJoin(u, eq(u.id, m.userId)).where(eq(m.installationId, installationId));
  return rows.map((r) => r.name).sort();
}

test("with no installation yet, the page says how to install the GitHub App", async () => {
  const res = await admin.get("/dashboard/installations");
  expect(res.status).toBe(200);
  const page = await res.text();
  expect(page).toContain('<a href="/dashboard/installations" aria-current="page">');
  expect(page).toContain("create a GitHub App");
  expect(page).toContain("CRITIQUE_GITHUB_APP_ID");
});

describe("installations with repositories and members", () => {
  let xssUserId: string;

  beforeAll(async () => {
    const ctx = s.server.ctx;
    await upsertInstallation(ctx, { id: "101", accountLogin: `acme ${XSS_SCRIPT}`, accountType: "Organization" });
    await upsertRepositories(ctx, "101", ["acme/web", `acme/x${XSS_ATTR}`]);
    xssUserId = (await ensureUser(ctx, `dev ${XSS_SCRIPT} ${XSS_ATTR}`)).id;
    await ensureUser(ctx, "dave");
  });

  test("grant by name, shown escaped; revoke; both need the CSRF field", async () => {
    const name = `dev ${XSS_SCRIPT} ${XSS_ATTR}`;
    expect((await admin.post("/dashboard/installations/101/members", { name }, { csrf: false })).status).toBe(403);
    expect(await membersOf("101")).toEqual([]);

    const granted = await admin.post("/dashboard/installations/101/members", { name });
    expect(granted.status).toBe(303);
    expect(granted.headers.get("location")).toBe("/dashboard/installations?done=granted#installation-101");
    expect(await admin.post("/dashboard/installations/101/members", { name: "dave" }).then((r) => r.status)).toBe(303);
    expect(await membersOf("101")).toEqual(["dave", name].sort());

    const page = await (await admin.get("/dashboard/installations?done=granted")).text();
    expect(page).toContain("Access granted.");
    expect(page).toContain("<code>acme/web</code>");
    expect(page).toContain("installation 101");
    expect(page).not.toContain(XSS_SCRIPT);
    expect(page).not.toContain("<img src=x");
    expect(page).toContain(ESCAPED_SCRIPT);
    expect(page).toContain(ESCAPED_ATTR);
    expect(page).toContain(`action="/dashboard/installations/101/members/${xssUserId}/revoke"`);
    expect(page).toContain("<label>User name <input");

    const revoke = `/dashboard/installations/101/members/${xssUserId}/revoke`;
    expect((await admin.post(revoke, {}, { csrf: false })).status).toBe(403);
    expect(await membersOf("101")).toEqual(["dave", name].sort());
    const revoked = await admin.post(revoke);
    expect(revoked.status).toBe(303);
    expect(await membersOf("101")).toEqual(["dave"]);
    expect(await (await admin.get("/dashboard/installations?done=revoked")).text()).toContain("Access revoked.");
  });

  test("an unknown user name is shown on the page (escaped), an unknown installation is a 404 page", async () => {
    const res = await admin.post("/dashboard/installations/101/members", { name: `nobody ${XSS_SCRIPT}` });
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(page).toContain(`No user named &quot;nobody ${ESCAPED_SCRIPT}&quot;`);
    expect(page).not.toContain(XSS_SCRIPT);
    const missing = await admin.post("/dashboard/installations/999/members", { name: "dave" });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("Installation 999 not found");
    expect(await membersOf("999")).toEqual([]);
  });

  test("a non-admin gets a 403 page for every action and changes nothing", async () => {
    const list = await carol.get("/dashboard/installations");
    expect(list.status).toBe(403);
    expect(list.headers.get("content-type")).toContain("text/html");
    expect(await list.text()).toContain("dashboard admins only");
    expect((await carol.post("/dashboard/installations/101/members", { name: "carol" })).status).toBe(403);
    const dave = (await ensureUser(s.server.ctx, "dave")).id;
    expect((await carol.post(`/dashboard/installations/101/members/${dave}/revoke`)).status).toBe(403);
    expect(await membersOf("101")).toEqual(["dave"]);
    // …and the nav does not offer the page.
    expect(await (await carol.get("/dashboard/passports")).text()).not.toContain('href="/dashboard/installations"');
  });

  test("long lists page with the cursor", async () => {
    for (let i = 0; i < 21; i++) await upsertInstallation(s.server.ctx, { id: String(200 + i), accountLogin: `org-${i}`, accountType: "Organization" });
    const first = await (await admin.get("/dashboard/installations")).text();
    expect(first.match(/<section class="card" aria-labelledby="installation-/g)).toHaveLength(20);
    const older = /<a href="(\/dashboard\/installations\?cursor=\d+)">Older/.exec(first)?.[1];
    expect(older).toBeDefined();
    const second = await (await admin.get(older!)).text();
    expect(second.match(/<section class="card" aria-labelledby="installation-/g)).toHaveLength(2);
    expect(second).not.toContain("create a GitHub App");
  });
});

test("without a session the page and its forms redirect to sign-in", async () => {
  for (const [method, path] of [["GET", "/dashboard/installations?cursor=5"], ["POST", "/dashboard/installations/101/members"]]) {
    const res = await fetch(`${s.url}${path}`, { method, redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/sign-in?next=${encodeURIComponent(path)}`);
  }
});
