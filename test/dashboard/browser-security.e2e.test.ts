import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { setPassword } from "../../src/auth/passwords.ts";
import {
  type DashboardWorld,
  foreignRequests,
  launchChromium,
  newContext,
  reviewXssPull,
  screenshot,
  signedInPage,
  signInWithForm,
  startDashboardWorld,
  submitSignIn,
  type Watched,
  watch,
} from "../helpers/browser.ts";
import { startTestServer } from "../helpers/server.ts";
import { INSTALLATION, REPO } from "../merge-gate/harness.ts";

/** Only inside `page.evaluate` callbacks, which run in the browser (the project has no DOM types). */
declare const document: any;

// Dashboard security in real headless Chromium against the compiled binary: no session → sign-in, another user's run
// → 404, CSRF token missing → 403 (pages and the API), the session cookie's flags, a password reset (CLI) ends every
// session of the user.
let world: DashboardWorld;
let browser: Browser;
let run: any;
const watchedPages: Watched[] = [];

beforeAll(async () => {
  world = await startDashboardWorld();
  for (const name of ["alice", "bob", "carol"]) await world.createUser(name);
  const grant = await world.cli(["installations", "grant", "--installation", String(INSTALLATION), "--user", "alice"]);
  expect(grant.code, grant.stderr).toBe(0);
  run = await reviewXssPull(world, await world.key("alice", ["read:reviews", "write:reviews"]), 7);
  expect(run.status).toBe("COMPLETED");
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

async function signIn(name: string) {
  const signed = await signedInPage(browser, world, name);
  watchedPages.push(signed.watched);
  return signed;
}

/** Submits a form of the page (after `tamper` ran in the page) and returns the answer's status once it loaded. */
async function submit(page: Page, formSelector: string, tamper: string) {
  await page.evaluate(([selector, code]) => new Function("form", code)(document.querySelector(selector)), [formSelector, tamper]);
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST", { timeout: 10_000 }),
    page.locator(`${formSelector} button[type=submit]`).click(),
  ]);
  await page.waitForLoadState("load");
  return answer.status();
}

test("without a session every page redirects to sign-in (with the way back) and the API answers 401", async () => {
  const context = await newContext(browser, world);
  const page = await context.newPage();
  watchedPages.push(watch(page));
  for (const path of ["/dashboard", "/dashboard/review-runs", `/dashboard/review-runs/${run.reviewRunId}`, "/dashboard/keys", "/dashboard/webhooks", "/dashboard/passports", "/dashboard/credits", "/dashboard/agent-runs"]) {
    await page.goto(path);
    const url = new URL(page.url());
    expect(url.pathname, path).toBe("/sign-in");
    expect(url.searchParams.get("next"), path).toBe(path === "/dashboard" ? "/dashboard/review-runs" : path);
  }
  expect(await page.evaluate(async () => (await fetch("/api/v1/me")).status)).toBe(401);
  // A form post without a session changes nothing: it is sent to sign-in as well.
  const rerun = await fetch(`${world.url}/dashboard/review-runs/${run.reviewRunId}/rerun`, { method: "POST", redirect: "manual", body: new URLSearchParams({ _csrf: "x" }) });
  expect(rerun.status).toBe(303);
  expect(rerun.headers.get("location")).toStartWith("/sign-in");
  await context.close();
});

test("another user's run is a 404 page for bob, on the API too, and is not in his list", async () => {
  const { context, page } = await signIn("bob");
  const answer = await page.goto(`/dashboard/review-runs/${run.reviewRunId}`);
  expect(answer?.status()).toBe(404);
  expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Not found");
  expect(await page.locator("main").textContent()).not.toContain(REPO);
  await screenshot(page, "not-found");
  expect(await page.evaluate(async (id) => (await fetch(`/api/v1/review-runs/${id}`)).status, run.reviewRunId)).toBe(404);
  // Nor can he re-run it (with a valid CSRF token: the 404 is about the run, not the form).
  expect(await submit(page, "form.signout", `form.action = "/dashboard/review-runs/${run.reviewRunId}/rerun"`)).toBe(404);
  await page.goto("/dashboard/review-runs");
  expect(await page.locator(".empty").textContent()).toContain("No review runs yet");
  expect(await page.locator(`a[href="/dashboard/review-runs/${run.reviewRunId}"]`).count()).toBe(0);
  await context.close();
});

test("the session cookie is HttpOnly, SameSite=Lax, not Secure on http, and invisible to scripts", async () => {
  const { context, page } = await signIn("alice");
  const cookies = (await context.cookies()).filter((c) => c.name === "critique_session");
  expect(cookies).toHaveLength(1);
  expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: "Lax", secure: false, path: "/", domain: "127.0.0.1" });
  expect(cookies[0].value.length).toBeGreaterThanOrEqual(40);
  // A week at most (SESSION_MAX_AGE_MS), never a session-less cookie that outlives the server's record.
  expect(cookies[0].expires * 1000).toBeGreaterThan(Date.now() + 6 * 24 * 3_600_000);
  expect(cookies[0].expires * 1000).toBeLessThanOrEqual(Date.now() + 7 * 24 * 3_600_000 + 60_000);
  expect(await page.evaluate(() => document.cookie)).not.toContain("critique_session");
  await context.close();
});

test("with an https CRITIQUE_PUBLIC_URL the cookie is also Secure (sign-in and sign-out)", async () => {
  const s = await startTestServer({ CRITIQUE_PUBLIC_URL: "https://critique.example.com" });
  try {
    await setPassword(s.server.ctx, { name: "dora", password: "dora-password-0123456789" });
    const signedIn = await fetch(`${s.url}/sign-in`, { method: "POST", redirect: "manual", body: new URLSearchParams({ name: "dora", password: "dora-password-0123456789" }) });
    expect(signedIn.status).toBe(303);
    const setCookie = signedIn.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^critique_session=[^;]+;/);
    for (const flag of ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"]) expect(setCookie.split("; ")).toContain(flag);
    const cookie = setCookie.split(";")[0];
    const page = await (await fetch(`${s.url}/dashboard/review-runs`, { headers: { cookie } })).text();
    const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page)?.[1] ?? "";
    const signedOut = await fetch(`${s.url}/sign-out`, { method: "POST", redirect: "manual", headers: { cookie }, body: new URLSearchParams({ _csrf: csrf }) });
    expect(signedOut.status).toBe(303);
    expect((signedOut.headers.get("set-cookie") ?? "").split("; ")).toEqual(expect.arrayContaining(["Max-Age=0", "Secure", "HttpOnly"]));
  } finally {
    await s.stop();
  }
});

test("CSRF: a form post without the session's token, or with another, is a 403; so is an API write without X-CSRF-Token", async () => {
  const { context, page, watched } = await signIn("alice");
  await page.goto(`/dashboard/review-runs/${run.reviewRunId}`);
  const form = `form[action="/dashboard/review-runs/${run.reviewRunId}/rerun"]`;
  expect(await submit(page, form, `form.querySelector('[name="_csrf"]').remove()`)).toBe(403);
  expect(await page.getByRole("alert").textContent()).toContain("CSRF token missing or invalid");
  await screenshot(page, "csrf-forbidden");
  await page.goto(`/dashboard/review-runs/${run.reviewRunId}`);
  expect(await submit(page, form, `form.querySelector('[name="_csrf"]').value = "not-the-token-" + "x".repeat(29)`)).toBe(403);
  // Signing out needs the token too: without it the session stays.
  await page.goto("/dashboard/review-runs");
  expect(await submit(page, "form.signout", `form.querySelector('[name="_csrf"]').remove()`)).toBe(403);
  await page.goto("/dashboard/review-runs");
  expect(new URL(page.url()).pathname).toBe("/dashboard/review-runs");
  // Nothing was queued by the refused re-runs.
  const runs = await page.evaluate(async () => ((await (await fetch("/api/v1/review-runs")).json()) as any).reviewRuns.length);
  expect(runs).toBe(1);

  // The cookie authenticates the API: reads need nothing more, writes need the page's token in X-CSRF-Token.
  const api = (withToken: boolean) =>
    page.evaluate(async (send) => {
      const token = document.querySelector('meta[name="csrf-token"]')!.getAttribute("content")!;
      const body = JSON.stringify({ url: "http://127.0.0.1:9/hook", secret: "csrf-test-secret-0123456789-abcdefghij" });
      const res = await fetch("/api/v1/webhook-endpoints", { method: "POST", headers: { "content-type": "application/json", ...(send ? { "x-csrf-token": token } : {}) }, body });
      return res.status;
    }, withToken);
  expect(await page.evaluate(async () => ((await (await fetch("/api/v1/me")).json()) as any).user.name)).toBe("alice");
  expect(await api(false)).toBe(403);
  expect(await api(true)).toBe(201);
  expect(watched.dialogs).toEqual([]);
  await context.close();
});

test("a password reset with the CLI signs the user out of every browser; the old password stops working", async () => {
  const first = await signIn("carol");
  const second = await signIn("carol");
  await first.page.goto("/dashboard/review-runs");
  expect(new URL(first.page.url()).pathname).toBe("/dashboard/review-runs");
  const fresh = "carol-new-password-0123456789";
  const reset = await world.cli(["users", "reset-password", "--name", "carol", "--password-stdin"], `${fresh}\n`);
  expect(reset.code, reset.stderr).toBe(0);
  expect(reset.stdout).toContain("sessions were signed out");
  for (const { page } of [first, second]) {
    await page.goto("/dashboard/keys");
    const url = new URL(page.url());
    expect(url.pathname).toBe("/sign-in");
    expect(url.searchParams.get("next")).toBe("/dashboard/keys");
  }
  expect(await submitSignIn(first.page, "carol", world.passwords.carol)).toBe(401);
  await signInWithForm(first.page, "carol", fresh);
  expect(new URL(first.page.url()).pathname).toBe("/dashboard/keys");
  await first.context.close();
  await second.context.close();
});

test("no page loaded anything from another origin", () => {
  const all: Watched = { requests: watchedPages.flatMap((w) => w.requests), dialogs: watchedPages.flatMap((w) => w.dialogs), cspViolations: watchedPages.flatMap((w) => w.cspViolations), pageErrors: [] };
  expect(all.requests.length).toBeGreaterThan(20);
  expect(foreignRequests(all, world.url)).toEqual([]);
  expect(all.dialogs).toEqual([]);
  expect(all.cspViolations).toEqual([]);
});
