import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { waitFor } from "../fakes/http.ts";
import {
  type DashboardWorld,
  foreignRequests,
  launchChromium,
  reviewXssPull,
  screenshot,
  signedInPage,
  startDashboardWorld,
  type Watched,
  XSS_TITLE,
} from "../helpers/browser.ts";
import { INSTALLATION, REPO } from "../merge-gate/harness.ts";

// The other dashboard pages in real headless Chromium against the compiled binary: create an API key (shown once,
// it works) and revoke it (401 at once), add a webhook endpoint and redeliver a delivery, passports, credits,
// coding-agent runs, installations (admins only). Each main page is screenshotted.
const MEMO = `Welcome <img src=x onerror=alert("memo")>`;
let world: DashboardWorld;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let watched: Watched;
let aliceKey: string;
let run: any;
const others: Watched[] = [];

beforeAll(async () => {
  world = await startDashboardWorld();
  await world.createUser("alice");
  await world.createUser("root", { admin: true });
  const grant = await world.cli(["installations", "grant", "--installation", String(INSTALLATION), "--user", "alice"]);
  expect(grant.code, grant.stderr).toBe(0);
  const credits = await world.cli(["credits", "grant", "--user", "alice", "--amount", "250", "--memo", MEMO]);
  expect(credits.code, credits.stderr).toBe(0);
  aliceKey = await world.key("alice", ["read:reviews", "write:reviews"]);
  run = await reviewXssPull(world, aliceKey, 11);
  expect(run.status).toBe("COMPLETED");
  browser = await launchChromium();
  ({ context, page, watched } = await signedInPage(browser, world, "alice"));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

const pathOf = (p: Page) => new URL(p.url()).pathname;

/** Clicks a submit button and waits for the answer to the form's POST (its status) and the page it leads to. */
async function submitWith(p: Page, button: ReturnType<Page["locator"]>): Promise<number> {
  const [answer] = await Promise.all([p.waitForResponse((r) => r.request().method() === "POST", { timeout: 10_000 }), button.click()]);
  await p.waitForLoadState("load");
  return answer.status();
}

test("create an API key: shown once, it works on the API; revoke it: the API answers 401 at once", async () => {
  await page.getByRole("link", { name: "API keys" }).click();
  await page.waitForURL((url) => url.pathname === "/dashboard/keys", { timeout: 10_000 });
  await page.locator('input[name="name"]').fill("browser-ci");
  for (const box of await page.locator('input[name="scopes"]').all()) await box.setChecked((await box.getAttribute("value")) === "read:reviews");
  await page.locator('select[name="expiry"]').selectOption("30d");
  await screenshot(page, "keys");
  expect(await submitWith(page, page.getByRole("button", { name: "Create key" }))).toBe(201);
  expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Key created");
  const key = (await page.locator("#new-key").textContent())?.trim() ?? "";
  expect(key).toMatch(/^crt_/);
  await screenshot(page, "key-created");

  const me = await fetch(`${world.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
  expect(me.status).toBe(200);
  expect(((await me.json()) as any).user.name).toBe("alice");
  expect((await fetch(`${world.url}/api/v1/review-runs`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
  // Only the scopes that were ticked.
  expect((await fetch(`${world.url}/api/v1/webhook-endpoints`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(403);

  await page.getByRole("link", { name: "Back to your keys" }).click();
  await page.waitForURL((url) => url.pathname === "/dashboard/keys", { timeout: 10_000 });
  const row = page.locator("tbody tr", { has: page.getByRole("rowheader", { name: "browser-ci" }) });
  expect(await row.textContent()).toContain("active");
  // The key itself is never listed again, only its prefix.
  expect(await page.content()).not.toContain(key);
  expect(await submitWith(page, page.getByRole("button", { name: "Revoke browser-ci" }))).toBe(303);
  expect(watched.dialogs).toEqual([{ type: "confirm", message: `Revoke the key "browser-ci"? Anything using it gets 401 at once.` }]);
  expect(await page.getByRole("status").textContent()).toContain("Revoked browser-ci");
  expect(await row.textContent()).toContain("revoked");
  expect((await fetch(`${world.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
  expect((await fetch(`${world.url}/api/v1/review-runs`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
});

test("add a webhook endpoint in the dashboard, see a review's delivery with its attempt, redeliver it", async () => {
  await page.getByRole("link", { name: "Webhooks" }).click();
  await page.waitForURL((url) => url.pathname === "/dashboard/webhooks", { timeout: 10_000 });
  await page.locator('input[name="url"]').fill(world.receiver.endpoint("/dash"));
  const secret = await page.locator('input[name="secret"]').inputValue();
  expect(secret.length).toBeGreaterThanOrEqual(32);
  expect(await page.locator('input[name="events"][value="review.run.completed"]').isChecked()).toBe(true);
  await page.locator('input[name="description"]').fill("from the browser");
  expect(await submitWith(page, page.getByRole("button", { name: "Add endpoint" }))).toBe(303);
  expect(pathOf(page)).toMatch(/^\/dashboard\/webhooks\/[0-9a-f]{32}$/);
  const endpointPage = pathOf(page);
  expect(await page.getByRole("status").textContent()).toContain("Endpoint created");
  expect(await page.content()).not.toContain(secret);

  const reviewed = await reviewXssPull(world, aliceKey, 12);
  const first = await waitFor(() => world.receiver.deliveries.find((d) => d.path === "/dash" && (d.body as any)?.id === reviewed.reviewRunId), { timeoutMs: 20_000, what: "the lifecycle delivery of run 12" });
  expect(first.headers["x-critique-webhook-event"]).toBe("review.run.completed");
  // The delivery is shown once its attempt is recorded (just after the receiver answered).
  const card = page.locator("article", { has: page.locator("code", { hasText: first.headers["webhook-id"] }) });
  await waitFor(
    async () => {
      await page.reload();
      return (await card.count()) === 1 && (await card.textContent())?.includes("delivered") && (await card.locator("tbody tr").count()) === 1;
    },
    { timeoutMs: 15_000, intervalMs: 200, what: "the delivery to show as delivered" },
  );
  expect(await card.locator("tbody tr").textContent()).toContain("200");
  await screenshot(page, "webhook-endpoint");

  expect(await submitWith(page, card.getByRole("button", { name: /^Redeliver review\.run\.completed delivery/ }))).toBe(303);
  expect(new URL(page.url()).searchParams.get("redelivered")).toBe(first.headers["webhook-id"]);
  expect(await card.getByRole("status").textContent()).toContain("Redelivery queued");
  const again = await waitFor(() => world.receiver.deliveries.filter((d) => d.path === "/dash")[1], { timeoutMs: 20_000, what: "the redelivery" });
  // Same id, same body: a receiver deduplicates it.
  expect(again.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
  expect(again.rawBody).toBe(first.rawBody);
  await waitFor(
    async () => {
      await page.goto(endpointPage);
      return (await card.locator("tbody tr").count()) === 2;
    },
    { timeoutMs: 15_000, intervalMs: 200, what: "the redelivery's attempt on the page" },
  );

  await page.getByRole("link", { name: "Webhooks" }).click();
  await page.waitForURL((url) => url.pathname === "/dashboard/webhooks", { timeout: 10_000 });
  expect(await page.locator("tbody").textContent()).toContain(world.receiver.endpoint("/dash"));
  await screenshot(page, "webhooks");
});

test("passports: the list shows the pull request (its XSS title as text), the passport page its record", async () => {
  await page.getByRole("link", { name: "Passports" }).click();
  await page.waitForURL((url) => url.pathname === "/dashboard/passports", { timeout: 10_000 });
  const row = page.locator("tbody tr", { has: page.getByRole("link", { name: `${REPO}#11` }) });
  expect(await row.textContent()).toContain(XSS_TITLE);
  expect(await page.locator("img").count()).toBe(0);
  await screenshot(page, "passports");
  await row.getByRole("link", { name: `${REPO}#11` }).click();
  await page.waitForURL((url) => url.pathname === `/dashboard/passports/${run.changePassportId}`, { timeout: 10_000 });
  expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe(`Passport of ${REPO}#11`);
  expect(await page.locator("main").textContent()).toContain("FAIL");
  expect(await page.locator("img").count()).toBe(0);
  await screenshot(page, "passport");
});

test("credits: the balance and the ledger (its memo shown as text)", async () => {
  await page.getByRole("link", { name: "Credits" }).click();
  await page.waitForURL((url) => url.pathname === "/dashboard/credits", { timeout: 10_000 });
  expect(await page.locator("#credits-available").textContent()).toMatch(/\d/);
  expect(await page.locator("main").textContent()).toContain(MEMO);
  expect(await page.locator("main img").count()).toBe(0);
  await screenshot(page, "credits");
});

test("coding-agent runs: the (empty) list", async () => {
  await page.getByRole("link", { name: "Agent runs" }).click();
  await page.waitForURL((url) => url.pathname === "/dashboard/agent-runs", { timeout: 10_000 });
  expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Coding-agent runs");
  await screenshot(page, "agent-runs");
});

test("installations: admins see the installation with its repository and members; others get 403", async () => {
  expect(await page.getByRole("link", { name: "Installations" }).count()).toBe(0);
  expect((await page.goto("/dashboard/installations"))?.status()).toBe(403);
  const admin = await signedInPage(browser, world, "root");
  others.push(admin.watched);
  await admin.page.getByRole("link", { name: "Installations" }).click();
  await admin.page.waitForURL((url) => url.pathname === "/dashboard/installations", { timeout: 10_000 });
  const text = await admin.page.locator("main").textContent();
  expect(text).toContain(REPO);
  expect(text).toContain("alice");
  await screenshot(admin.page, "installations");
  await admin.context.close();
});

test("no page loaded anything from another origin; the only dialog was the revoke confirmation", async () => {
  const requests = [...watched.requests, ...others.flatMap((w) => w.requests)];
  expect(requests.length).toBeGreaterThan(20);
  expect(foreignRequests({ requests, dialogs: [], cspViolations: [], pageErrors: [] }, world.url)).toEqual([]);
  expect([...watched.dialogs, ...others.flatMap((w) => w.dialogs)].map((d) => d.type)).toEqual(["confirm"]);
  expect([...watched.cspViolations, ...others.flatMap((w) => w.cspViolations)]).toEqual([]);
  expect(watched.pageErrors).toEqual([]);
  await context.close();
});
