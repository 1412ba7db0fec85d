import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { RecordedRequest } from "../fakes/http.ts";
import {
  type DashboardWorld,
  foreignRequests,
  launchChromium,
  newContext,
  reviewXssPull,
  screenshot,
  signInWithForm,
  startDashboardWorld,
  submitSignIn,
  type Watched,
  watch,
  XSS_FINDING_SUMMARY,
  XSS_FINDING_TITLE,
  XSS_PATH,
  XSS_TITLE,
} from "../helpers/browser.ts";
import { GITHUB_TOKEN, INSTALLATION, REPO } from "../merge-gate/harness.ts";

/** Only inside `page.evaluate` callbacks, which run in the browser (the project has no DOM types). */
declare const document: any;

// The review flow in real headless Chromium against the compiled binary: a webhook's `urls.dashboard` link opened
// without a session → sign-in → the completed FAIL review with its findings (XSS payloads shown as text, never run)
// → the list → sign out. Every request the pages make is recorded: none may leave the server's origin.
let world: DashboardWorld;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let watched: Watched;
let run: any;
let lifecycle: RecordedRequest;

beforeAll(async () => {
  world = await startDashboardWorld();
  await world.createUser("alice");
  const grant = await world.cli(["installations", "grant", "--installation", String(INSTALLATION), "--user", "alice"]);
  expect(grant.code, grant.stderr).toBe(0);
  const key = await world.key("alice", ["read:reviews", "write:reviews", "manage:webhooks"]);
  const endpoint = await world.api("/api/v1/webhook-endpoints", key, { method: "POST", json: { url: world.receiver.endpoint("/life"), secret: "browser-lifecycle-secret-0123456789abcdef" } });
  expect(endpoint.status, await endpoint.clone().text()).toBe(201);
  run = await reviewXssPull(world, key, 41);
  await world.receiver.waitForDeliveries(1, 20_000);
  lifecycle = world.receiver.deliveries.find((d) => d.headers["x-critique-webhook-event"] === "review.run.completed")!;
  browser = await launchChromium();
  context = await newContext(browser, world);
  page = await context.newPage();
  watched = watch(page);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

test("the run completed FAIL with the secret finding on the XSS-named file and the model's finding", () => {
  expect(run).toMatchObject({ status: "COMPLETED", verdict: "FAIL", pullRequestTitle: XSS_TITLE });
  expect(run.findings.map((f: any) => [f.specialist, f.severity, f.filePath])).toEqual([
    ["SECURITY", "FAIL", XSS_PATH],
    ["PERFORMANCE", "WARNING", XSS_PATH],
  ]);
  expect(lifecycle?.body).toMatchObject({ event: "review.run.completed", id: run.reviewRunId, verdict: "FAIL" });
});

test("the webhook's urls.dashboard, opened without a session, goes through sign-in to the run page", async () => {
  // Absolute (CRITIQUE_PUBLIC_URL, which startBinary sets to the address it listens on): no base needed.
  const link = new URL((lifecycle.body as any).urls.dashboard);
  expect(link.origin).toBe(new URL(world.url).origin);
  expect(link.pathname).toBe(`/dashboard/review-runs/${run.reviewRunId}`);
  await page.goto(link.href);
  await page.waitForURL((url) => url.pathname === "/sign-in", { timeout: 10_000 });
  expect(new URL(page.url()).searchParams.get("next")).toBe(link.pathname);
  expect(await page.getByRole("heading", { name: "Sign in" }).isVisible()).toBe(true);
  await screenshot(page, "sign-in");

  expect(await submitSignIn(page, "alice", "not the password at all")).toBe(401);
  expect(await page.getByRole("alert").textContent()).toContain("Wrong user name or password.");
  await signInWithForm(page, "alice", world.passwords.alice);
  expect(new URL(page.url()).pathname).toBe(link.pathname);
});

test("the run page shows the verdict and every finding, grouped by severity", async () => {
  await page.getByRole("heading", { name: `Review of ${REPO}#41` }).waitFor({ timeout: 10_000 });
  const main = page.locator("main");
  expect(await main.locator('dl.facts dt:text-is("Verdict") + dd').textContent()).toBe("FAIL");
  expect(await main.locator('dl.facts dt:text-is("Status") + dd').textContent()).toContain("COMPLETED");
  expect(await page.getByRole("heading", { name: "Findings (2)" }).isVisible()).toBe(true);
  const fail = page.getByRole("region", { name: "FAIL findings" });
  expect(await fail.getByRole("heading", { name: "FAIL (1)" }).isVisible()).toBe(true);
  expect(await fail.locator("article.finding").textContent()).toContain("Hard-coded secret");
  const warning = page.getByRole("region", { name: "WARNING findings" });
  expect(await warning.locator("article.finding").count()).toBe(1);
  // The secret itself is never shown, only its kind.
  expect(await main.textContent()).not.toContain(GITHUB_TOKEN);
  await screenshot(page, "review-run");
});

test("XSS payloads in the PR title, finding text and file paths are shown literally and never run", async () => {
  const text = await page.locator("main").textContent();
  for (const payload of [XSS_TITLE, XSS_PATH, XSS_FINDING_TITLE, XSS_FINDING_SUMMARY]) expect(text).toContain(payload);
  // Nothing the payloads name became an element: one script (app.js), no image, no javascript: link.
  expect(await page.evaluate(() => [...document.scripts].map((s) => new URL(s.src).pathname))).toEqual(["/dashboard/assets/app.js"]);
  expect(await page.locator("img").count()).toBe(0);
  expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
  expect(await page.locator("[onerror]").count()).toBe(0);
  // The page's own script ran (local times) and nothing tripped the CSP (which would mean escaping failed).
  expect(await page.locator("time[title]").count()).toBeGreaterThan(0);
  expect(watched.dialogs).toEqual([]);
  expect(watched.cspViolations).toEqual([]);
  expect(watched.pageErrors).toEqual([]);
});

test("the review-run list shows the run with its verdict and title, and links to it", async () => {
  await page.getByRole("link", { name: "Review runs" }).click();
  await page.waitForURL((url) => url.pathname === "/dashboard/review-runs", { timeout: 10_000 });
  const row = page.locator("tbody tr", { has: page.getByRole("link", { name: `${REPO}#41` }) });
  expect(await row.textContent()).toContain("FAIL");
  expect(await row.textContent()).toContain(XSS_TITLE);
  expect(await page.locator("img").count()).toBe(0);
  await screenshot(page, "review-runs");

  await page.locator("select[name=verdict]").selectOption("PASS");
  await Promise.all([page.waitForURL((url) => url.searchParams.get("verdict") === "PASS", { timeout: 10_000 }), page.getByRole("button", { name: "Filter" }).click()]);
  expect(await page.locator(".empty").textContent()).toContain("No review runs match these filters");
  await page.locator("select[name=verdict]").selectOption("FAIL");
  await Promise.all([page.waitForURL((url) => url.searchParams.get("verdict") === "FAIL", { timeout: 10_000 }), page.getByRole("button", { name: "Filter" }).click()]);
  await page.getByRole("link", { name: `${REPO}#41` }).click();
  await page.waitForURL((url) => url.pathname === `/dashboard/review-runs/${run.reviewRunId}`, { timeout: 10_000 });
});

test("sign out ends the session: the cookie is cleared and no longer accepted, pages go back to sign-in", async () => {
  const [before] = (await context.cookies()).filter((c) => c.name === "critique_session");
  expect(before?.value).toBeTruthy();
  await Promise.all([page.waitForURL((url) => url.pathname === "/sign-in", { timeout: 10_000 }), page.getByRole("button", { name: "Sign out" }).click()]);
  expect((await context.cookies()).filter((c) => c.name === "critique_session" && c.value)).toEqual([]);
  await page.goto("/dashboard");
  expect(new URL(page.url()).pathname).toBe("/sign-in");
  // The old cookie, replayed by hand, is revoked on the server: a page redirects, the API answers 401.
  const cookie = `critique_session=${before.value}`;
  const again = await fetch(`${world.url}/dashboard/review-runs`, { headers: { cookie }, redirect: "manual" });
  expect(again.status).toBe(303);
  expect(again.headers.get("location")).toStartWith("/sign-in");
  expect((await fetch(`${world.url}/api/v1/me`, { headers: { cookie } })).status).toBe(401);
});

test("no page loaded anything from another origin, and nothing tried to run", () => {
  expect(watched.requests.length).toBeGreaterThan(10);
  expect(watched.requests).toContain(`${world.url}/dashboard/assets/app.css`);
  expect(watched.requests).toContain(`${world.url}/dashboard/assets/app.js`);
  expect(foreignRequests(watched, world.url)).toEqual([]);
  expect(watched.dialogs).toEqual([]);
  expect(watched.cspViolations).toEqual([]);
});
