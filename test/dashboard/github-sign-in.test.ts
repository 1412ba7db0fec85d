import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setPassword } from "../../src/auth/passwords.ts";
import { ensureUser, findUserByName } from "../../src/auth/users.ts";
import { ConfigError, loadConfig } from "../../src/config/index.ts";
import { FakeGitHub } from "../fakes/github.ts";
import { freePort } from "../helpers/binary.ts";
import { PASSWORD } from "../helpers/dashboard.ts";
import { testDb } from "../helpers/env.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

/**
 * Sign in with GitHub through the fake GitHub's OAuth web flow, the browser played by hand (manual redirects):
 * Critique → GitHub's authorize page (authorizeAs stands in for the person) → Critique's callback → a session.
 */
const CALLBACK = "/sign-in/github/callback";
const cookieOf = (res: Response, name: string) => res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
const pair = (setCookie: string | undefined) => (setCookie ?? "").split(";")[0];

interface Flow {
  start: Response;
  authorizeUrl: URL;
  stateCookie: string;
  callbackUrl: URL;
  callback: Response;
}

/** The browser's trip: `/sign-in/github?next=…`, GitHub's authorize redirect, the callback with the state cookie. */
async function signInWithGitHub(s: TestServer, github: FakeGitHub, login: string | null, next?: string, tamper?: (cookie: string) => string): Promise<Flow> {
  github.authorizeAs(login);
  const start = await fetch(`${s.url}/sign-in/github${next === undefined ? "" : `?next=${encodeURIComponent(next)}`}`, { redirect: "manual" });
  expect(start.status).toBe(303);
  const authorizeUrl = new URL(start.headers.get("location")!);
  const stateCookie = pair(cookieOf(start, "critique_github_oauth"));
  const atGitHub = await fetch(authorizeUrl, { redirect: "manual" });
  expect(atGitHub.status).toBe(302);
  const callbackUrl = new URL(atGitHub.headers.get("location")!);
  const callback = await fetch(callbackUrl, { redirect: "manual", headers: { cookie: tamper ? tamper(stateCookie) : stateCookie } });
  return { start, authorizeUrl, stateCookie, callbackUrl, callback };
}

describe("Sign in with GitHub (github.com-style GitHub)", () => {
  let github: FakeGitHub;
  let s: TestServer;
  let publicUrl: string;
  beforeAll(async () => {
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    // The App's registered callback is Critique's: GitHub refuses to send codes anywhere else.
    github = FakeGitHub.start({ callbackUrls: [`${publicUrl}${CALLBACK}`] });
    s = await startTestServer({ ...github.env({ oauth: true }), PORT: String(port), CRITIQUE_PUBLIC_URL: publicUrl });
    await setPassword(s.server.ctx, { name: "octo-alice", password: PASSWORD });
  });
  afterAll(async () => {
    await s.stop();
    github.stop();
  });

  test("the whole flow: authorize redirect with a bound state, code exchange, GET /user, a session as the user of that login", async () => {
    const flow = await signInWithGitHub(s, github, "octo-alice");
    // 1. Critique sends the browser to GitHub with its client id, its callback and a random state in a short-lived cookie.
    expect(`${flow.authorizeUrl.origin}${flow.authorizeUrl.pathname}`).toBe(`${github.url}/login/oauth/authorize`);
    expect(flow.authorizeUrl.searchParams.get("client_id")).toBe(github.clientId);
    expect(flow.authorizeUrl.searchParams.get("redirect_uri")).toBe(`${publicUrl}${CALLBACK}`);
    const state = flow.authorizeUrl.searchParams.get("state")!;
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookieOf(flow.start, "critique_github_oauth")).toMatch(
      new RegExp(`^critique_github_oauth=${state}\\.[A-Za-z0-9_-]*; Path=/sign-in/github; HttpOnly; SameSite=Lax; Max-Age=600$`),
    );
    // 2. GitHub sends it back with a code and the same state; 3. the callback signs it in and goes to next.
    expect(flow.callbackUrl.searchParams.get("state")).toBe(state);
    expect(flow.callback.status).toBe(303);
    expect(flow.callback.headers.get("location")).toBe("/dashboard");
    const session = cookieOf(flow.callback, "critique_session");
    expect(session).toMatch(/^critique_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=604800$/);
    expect(cookieOf(flow.callback, "critique_github_oauth")).toContain("Max-Age=0");

    // What Critique asked GitHub: the code exchange (JSON, with the secret) and the user, with the token it got.
    const [exchange] = github.requestsTo("POST /login/oauth/access_token").slice(-1);
    expect(exchange.headers.accept).toBe("application/json");
    expect(exchange.body).toEqual({ client_id: github.clientId, client_secret: github.clientSecret, code: flow.callbackUrl.searchParams.get("code"), redirect_uri: `${publicUrl}${CALLBACK}` });
    const token = github.userTokens.at(-1)!;
    expect(token.login).toBe("octo-alice");
    expect(github.requestsTo("GET /user").at(-1)!.headers.authorization).toBe(`Bearer ${token.token}`);

    // The session is the user's: the dashboard opens as octo-alice.
    const cookie = pair(session);
    const dashboard = await fetch(`${s.url}/dashboard`, { headers: { cookie }, redirect: "manual" });
    expect(dashboard.status).toBe(303);
    const page = await fetch(`${s.url}${dashboard.headers.get("location")}`, { headers: { cookie }, redirect: "manual" });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<span class="muted">octo-alice</span>');
    const me = await fetch(`${s.url}/api/v1/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(JSON.stringify(await me.json())).toContain("octo-alice");

    // The GitHub token went nowhere: not to the browser, not into the database.
    for (const res of [flow.start, flow.callback]) expect([...res.headers].join("\n")).not.toContain(token.token);
    if (testDb === "sqlite") {
      for (const file of readdirSync(s.backends.dataDir, { recursive: true }) as string[]) {
        const path = join(s.backends.dataDir, file);
        if (/critique\.sqlite/.test(file)) expect(readFileSync(path).includes(token.token)).toBe(false);
      }
    }
  });

  test("the login matches the user name case-insensitively", async () => {
    const flow = await signInWithGitHub(s, github, "Octo-Alice");
    expect(flow.callback.status).toBe(303);
    expect(cookieOf(flow.callback, "critique_session")).toBeDefined();
  });

  test("a login with no Critique user (or only an API-key user) is 403 with how to create it, and no session; nobody is created", async () => {
    const flow = await signInWithGitHub(s, github, "octo-stranger");
    expect(flow.callback.status).toBe(403);
    expect(cookieOf(flow.callback, "critique_session")).toBeUndefined();
    const text = await flow.callback.text();
    expect(text).toContain("No Critique user for GitHub login octo-stranger");
    expect(text).toContain("critique users create --name octo-stranger");
    expect(await findUserByName(s.server.ctx, "octo-stranger")).toBeUndefined();

    // A user that only has API keys (no dashboard sign-in) is not a dashboard user either.
    await ensureUser(s.server.ctx, "octo-keys");
    const keysOnly = await signInWithGitHub(s, github, "octo-keys");
    expect(keysOnly.callback.status).toBe(403);
    expect(cookieOf(keysOnly.callback, "critique_session")).toBeUndefined();
  });

  test("a forged or missing state is 403, and the code is never exchanged", async () => {
    const exchanges = github.requestsTo("POST /login/oauth/access_token").length;
    github.authorizeAs("octo-alice");
    const start = await fetch(`${s.url}/sign-in/github`, { redirect: "manual" });
    const stateCookie = pair(cookieOf(start, "critique_github_oauth"));
    const back = new URL((await fetch(start.headers.get("location")!, { redirect: "manual" })).headers.get("location")!);
    const code = back.searchParams.get("code")!;
    const attempts: [string, string | undefined][] = [
      [`${CALLBACK}?code=${code}&state=forged-state-forged-state-forged-state-forg`, stateCookie],
      [`${CALLBACK}?code=${code}`, stateCookie],
      [`${CALLBACK}${back.search}`, undefined],
      [`${CALLBACK}${back.search}`, "critique_github_oauth=not-a-state"],
    ];
    for (const [path, cookie] of attempts) {
      const res = await fetch(`${s.url}${path}`, { redirect: "manual", headers: cookie ? { cookie } : {} });
      expect(res.status).toBe(403);
      expect(cookieOf(res, "critique_session")).toBeUndefined();
      expect(await res.text()).toContain("did not start in this browser");
    }
    expect(github.requestsTo("POST /login/oauth/access_token")).toHaveLength(exchanges);
  });

  test("a replayed code is 401 (GitHub's bad_verification_code), with no session", async () => {
    const flow = await signInWithGitHub(s, github, "octo-alice");
    expect(flow.callback.status).toBe(303);
    const replay = await fetch(flow.callbackUrl, { redirect: "manual", headers: { cookie: flow.stateCookie } });
    expect(replay.status).toBe(401);
    expect(cookieOf(replay, "critique_session")).toBeUndefined();
    const text = await replay.text();
    expect(text).toContain("bad_verification_code");
    expect(text).toContain("The code passed is incorrect or expired.");
  });

  test("next survives the trip; //evil and absolute URLs go to /dashboard, also when the state cookie is tampered with", async () => {
    const kept = await signInWithGitHub(s, github, "octo-alice", "/dashboard/keys?x=1");
    expect(kept.callback.headers.get("location")).toBe("/dashboard/keys?x=1");
    for (const next of ["//evil.example/x", "https://evil.example/", "/\\evil.example"]) {
      const refused = await signInWithGitHub(s, github, "octo-alice", next);
      expect(refused.callback.status).toBe(303);
      expect(refused.callback.headers.get("location")).toBe("/dashboard");
    }
    const evil = Buffer.from("//evil.example").toString("base64url");
    const tampered = await signInWithGitHub(s, github, "octo-alice", "/dashboard", (cookie) => `${cookie.split(".")[0]}.${evil}`);
    expect(tampered.callback.status).toBe(303);
    expect(tampered.callback.headers.get("location")).toBe("/dashboard");
  });

  test("GitHub's own refusals are clear pages: Cancel is 401, GitHub failing is 502", async () => {
    github.authorizeAs(null);
    const start = await fetch(`${s.url}/sign-in/github`, { redirect: "manual" });
    const stateCookie = pair(cookieOf(start, "critique_github_oauth"));
    const back = (await fetch(start.headers.get("location")!, { redirect: "manual" })).headers.get("location")!;
    const denied = await fetch(back, { redirect: "manual", headers: { cookie: stateCookie } });
    expect(denied.status).toBe(401);
    expect(await denied.text()).toContain("The user has denied your application access.");

    github.fail("POST /login/oauth/access_token", { status: 503, body: "unicorn" });
    const down = await signInWithGitHub(s, github, "octo-alice");
    expect(down.callback.status).toBe(502);
    expect(cookieOf(down.callback, "critique_session")).toBeUndefined();
  });

  test("the sign-in page offers the GitHub button, carrying next", async () => {
    const page = await (await fetch(`${s.url}/sign-in?next=${encodeURIComponent("/dashboard/keys")}`)).text();
    expect(page).toContain('<a href="/sign-in/github?next=%2Fdashboard%2Fkeys">Sign in with GitHub</a>');
  });
});

describe("Sign in with GitHub (GitHub Enterprise Server-style GitHub, API under /api/v3)", () => {
  test("the flow uses the web base for OAuth and the API base for /user", async () => {
    const github = FakeGitHub.start({ pathPrefix: "/api/v3" });
    const s = await startTestServer(github.env({ oauth: true }));
    try {
      await setPassword(s.server.ctx, { name: "ghes-user", password: PASSWORD });
      github.authorizeAs("ghes-user");
      const start = await fetch(`${s.url}/sign-in/github?next=/dashboard/keys`, { redirect: "manual" });
      const authorizeUrl = new URL(start.headers.get("location")!);
      expect(`${authorizeUrl.origin}${authorizeUrl.pathname}`).toBe(`${github.url}/login/oauth/authorize`);
      // PORT=0 makes the public URL unreachable; the browser here goes to the server's real address instead.
      const back = new URL((await fetch(authorizeUrl, { redirect: "manual" })).headers.get("location")!);
      expect(back.pathname).toBe(CALLBACK);
      const callback = await fetch(`${s.url}${back.pathname}${back.search}`, { redirect: "manual", headers: { cookie: pair(cookieOf(start, "critique_github_oauth")) } });
      expect(callback.status).toBe(303);
      expect(callback.headers.get("location")).toBe("/dashboard/keys");
      // The fake answers /login/oauth/* only outside /api/v3 and GET /user only under it: both were called right.
      expect(github.requestsTo("POST /login/oauth/access_token")).toHaveLength(1);
      expect(github.requestsTo("GET /user")).toHaveLength(1);
    } finally {
      await s.stop();
      github.stop();
    }
  });
});

describe("without GitHub sign-in configured", () => {
  test("no button on the sign-in page, and /sign-in/github is 404", async () => {
    const s = await startTestServer();
    try {
      const page = await (await fetch(`${s.url}/sign-in`)).text();
      expect(page).toContain("<form");
      expect(page).not.toContain("Sign in with GitHub");
      expect((await fetch(`${s.url}/sign-in/github`, { redirect: "manual" })).status).toBe(404);
      expect((await fetch(`${s.url}${CALLBACK}?code=x&state=y`, { redirect: "manual" })).status).toBe(404);
    } finally {
      await s.stop();
    }
  });

  test("config: the client id and secret come together, or the error names the missing one", () => {
    expect(() => loadConfig({ CRITIQUE_GITHUB_CLIENT_ID: "Iv23li1" })).toThrow(ConfigError);
    expect(() => loadConfig({ CRITIQUE_GITHUB_CLIENT_ID: "Iv23li1" })).toThrow(/^CRITIQUE_GITHUB_CLIENT_SECRET: is required when CRITIQUE_GITHUB_CLIENT_ID is set/);
    expect(() => loadConfig({ CRITIQUE_GITHUB_CLIENT_SECRET: "s3cret" })).toThrow(/^CRITIQUE_GITHUB_CLIENT_ID: is required when CRITIQUE_GITHUB_CLIENT_SECRET is set/);
    const both = loadConfig({ CRITIQUE_GITHUB_CLIENT_ID: " Iv23li1 ", CRITIQUE_GITHUB_CLIENT_SECRET: "s3cret" });
    expect(both.env).toMatchObject({ CRITIQUE_GITHUB_CLIENT_ID: "Iv23li1", CRITIQUE_GITHUB_CLIENT_SECRET: "s3cret" });
    expect(loadConfig({}).env.CRITIQUE_GITHUB_CLIENT_ID).toBeUndefined();
  });
});
