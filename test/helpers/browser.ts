import { expect } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { FakeGitHub } from "../fakes/github.ts";
import { waitFor } from "../fakes/http.ts";
import { FakeOpenAI } from "../fakes/openai.ts";
import { WebhookReceiver } from "../fakes/webhook-receiver.ts";
import { BASE_SHA, INSTALLATION, REPO, secretFile } from "../merge-gate/harness.ts";
import { BINARY, type BinaryServer, ensureBinary, runCli, startBinary } from "./binary.ts";
import { createBackends, type TestBackends } from "./databases.ts";

/**
 * The dashboard in a real browser: headless Chromium (Debian's `chromium`, driven by playwright-core) against the
 * compiled binary, with the fake GitHub App, the fake model and a webhook receiver. Nothing is fetched from the
 * network: Chromium's background traffic is switched off and every page request is recorded (see `watch`).
 */

export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];

/** CRITIQUE_TEST_CHROMIUM, else `chromium` on PATH, else Debian's path. */
export const chromiumPath = () => process.env.CRITIQUE_TEST_CHROMIUM ?? Bun.which("chromium") ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: install Debian's chromium (.ci/run does) or set CRITIQUE_TEST_CHROMIUM`);
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** A fresh context (its own cookies) on the server; actions and waits give up after 10 s, well inside a test's time. */
export async function newContext(browser: Browser, world: { url: string }): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: world.url, viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  return context;
}

/** Screenshots land here (git-ignored), one PNG per main page, for people to look at after a run. */
export const SCREENSHOTS = resolve(import.meta.dir, "../../test-artifacts/screenshots");

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** What a page did that a test may want to assert on afterwards. */
export interface Watched {
  /** Every URL the page requested (documents, styles, scripts, images, fetches). */
  requests: string[];
  /** alert / confirm / prompt dialogs; confirms are accepted (the dashboard's "are you sure?"), others dismissed. */
  dialogs: { type: string; message: string }[];
  /** Console messages about the Content-Security-Policy: an inline script or style that escaped escaping. */
  cspViolations: string[];
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
}

export function watch(page: Page): Watched {
  const watched: Watched = { requests: [], dialogs: [], cspViolations: [], pageErrors: [] };
  page.on("request", (request) => void watched.requests.push(request.url()));
  page.on("dialog", (dialog) => {
    watched.dialogs.push({ type: dialog.type(), message: dialog.message() });
    void (dialog.type() === "confirm" ? dialog.accept() : dialog.dismiss()).catch(() => undefined);
  });
  page.on("console", (message) => {
    if (/Content[- ]Security[- ]Policy/i.test(message.text())) watched.cspViolations.push(message.text());
  });
  page.on("pageerror", (error) => void watched.pageErrors.push(String(error)));
  return watched;
}

/** Requests to anything but the server's own origin (data: URLs are allowed). */
export function foreignRequests(watched: Watched, serverUrl: string): string[] {
  const origin = new URL(serverUrl).origin;
  return watched.requests.filter((url) => !url.startsWith("data:") && new URL(url).origin !== origin);
}

/** Fills the sign-in form and submits it; resolves with the answer's status once its page has loaded. */
export async function submitSignIn(page: Page, name: string, password: string): Promise<number> {
  await page.locator('input[name="name"]').fill(name);
  await page.locator('input[name="password"]').fill(password);
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/sign-in", { timeout: 15_000 }),
    page.getByRole("button", { name: "Sign in" }).click(),
  ]);
  await page.waitForLoadState("load", { timeout: 15_000 });
  return answer.status();
}

/** Signs in with the form; resolves once the browser has left /sign-in. */
export async function signInWithForm(page: Page, name: string, password: string): Promise<void> {
  const status = await submitSignIn(page, name, password);
  if (status !== 303) throw new Error(`sign-in as ${name} answered ${status}`);
  await page.waitForURL((url) => url.pathname !== "/sign-in", { timeout: 15_000 });
}

/** A fresh browser context (its own cookies), with one page, watched, and signed in as `name`. */
export async function signedInPage(browser: Browser, world: DashboardWorld, name: string, password = world.passwords[name]): Promise<{ context: BrowserContext; page: Page; watched: Watched }> {
  const context = await newContext(browser, world);
  const page = await context.newPage();
  const watched = watch(page);
  await page.goto("/sign-in");
  await signInWithForm(page, name, password);
  return { context, page, watched };
}

// PR titles, finding text and file paths carry markup: the pages must show it as text, never run it.
export const XSS_TITLE = `<script>alert("pr title")</script> Add config <img src=x onerror=alert(1)>`;
export const XSS_PATH = "src/<img src=x onerror=alert(2)>.ts";
export const XSS_FINDING_TITLE = `<script>alert("finding")</script> Config read on every request`;
export const XSS_FINDING_SUMMARY = `Cache it. <img src=x onerror=alert(3)> <a href="javascript:alert(4)">click</a>`;

export interface DashboardWorld {
  url: string;
  cwd: string;
  env: Record<string, string>;
  gh: FakeGitHub;
  llm: FakeOpenAI;
  receiver: WebhookReceiver;
  backends: TestBackends;
  server: BinaryServer;
  /** Passwords of the users made with `createUser`. */
  passwords: Record<string, string>;
  /** The binary's CLI against the same database, with `stdin` piped in (passwords). */
  cli(args: string[], stdin?: string): Promise<{ stdout: string; stderr: string; code: number }>;
  /** `critique users create --name … [--admin] --password-stdin`: a user who can sign in. */
  createUser(name: string, options?: { admin?: boolean; password?: string }): Promise<void>;
  /** `critique keys create --user … --scopes … --json`: a bearer key. */
  key(user: string, scopes: string[]): Promise<string>;
  /** fetch against the server with a bearer key, JSON in and out. */
  api(path: string, key: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * The binary on fresh backends (the test leg's database and queue), a fake GitHub App with one installation and
 * repository, the fake model, and a webhook receiver on loopback (allowed by CRITIQUE_WEBHOOK_ALLOWED_CIDRS).
 */
export async function startDashboardWorld(extraEnv: Record<string, string> = {}): Promise<DashboardWorld> {
  await ensureBinary();
  const cwd = mkdtempSync(join(tmpdir(), "critique-browser-"));
  const backends = await createBackends();
  const gh = FakeGitHub.start();
  const llm = FakeOpenAI.start();
  const receiver = WebhookReceiver.start();
  gh.addRepo(REPO, { installationId: INSTALLATION });
  const env: Record<string, string> = {
    ...backends.env,
    ...gh.env(),
    CRITIQUE_LLM_BASE_URL: llm.baseURL,
    CRITIQUE_LLM_MODEL: "fake-model",
    CRITIQUE_WEBHOOK_ALLOWED_CIDRS: "127.0.0.0/8",
    CRITIQUE_JOB_POLL_MS: "50",
    CRITIQUE_LOG_LEVEL: "warn",
    ...extraEnv,
  };
  let server: BinaryServer;
  try {
    server = await startBinary(cwd, env);
  } catch (error) {
    gh.stop();
    llm.stop();
    receiver.stop();
    await backends.dispose();
    throw error;
  }
  const passwords: Record<string, string> = {};
  const cli = async (args: string[], stdin?: string) => {
    const proc = Bun.spawn([BINARY, ...args], { cwd, env: { PATH: process.env.PATH ?? "", ...env }, stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { stdout, stderr, code };
  };
  return {
    url: server.url,
    cwd,
    env,
    gh,
    llm,
    receiver,
    backends,
    server,
    passwords,
    cli,
    createUser: async (name, options = {}) => {
      const password = options.password ?? `pw-${name}-${crypto.randomUUID()}`;
      const out = await cli(["users", "create", "--name", name, ...(options.admin ? ["--admin"] : []), "--password-stdin"], `${password}\n`);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain(`Created dashboard user ${name}`);
      passwords[name] = password;
    },
    key: async (user, scopes) => {
      const out = await runCli(["keys", "create", "--name", `browser-${user}`, "--user", user, "--scopes", scopes.join(","), "--json"], cwd, env);
      expect(out.code, out.stderr).toBe(0);
      return JSON.parse(out.stdout).key as string;
    },
    api: (path, key, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set("authorization", `Bearer ${key}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set("content-type", "application/json");
        body = JSON.stringify(init.json);
      }
      return fetch(`${server.url}${path}`, { ...init, headers, body });
    },
    stop: async () => {
      await server.stop();
      gh.stop();
      llm.stop();
      receiver.stop();
      await backends.dispose();
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

/**
 * A pull request whose title and secret-bearing file path carry XSS payloads, reviewed to a completed FAIL: the
 * secret scanner's FAIL on that file and a model WARNING whose title and summary carry more payloads. The title is
 * also sent with the queue request: a run queued over the API keeps only a title given there (the one the pipeline
 * reads from GitHub is not stored).
 */
export async function reviewXssPull(world: DashboardWorld, key: string, number: number): Promise<any> {
  const head = number.toString(16).padStart(40, "a");
  const file = { ...secretFile, filename: XSS_PATH };
  world.gh.addPull(REPO, { number, title: XSS_TITLE, base: { ref: "main", sha: BASE_SHA }, head: { ref: `xss-${number}`, sha: head }, files: [file] });
  world.llm.responder = (body: any) =>
    String(body.messages?.[0]?.content ?? "").includes("PERFORMANCE specialist")
      ? { json: { findings: [{ severity: "WARNING", confidence: 0.8, rule: "config-per-request", title: XSS_FINDING_TITLE, summary: XSS_FINDING_SUMMARY, filePath: XSS_PATH, startLine: 2, endLine: 2, quote: null }] } }
      : { json: { findings: [] } };
  const queued = await world.api("/api/v1/reviews", key, { method: "POST", json: { repositoryFullName: REPO, pullRequestNumber: number, headSha: head, pullRequestTitle: XSS_TITLE } });
  expect(queued.status).toBe(202);
  const id = ((await queued.json()) as any).review.reviewRunId as string;
  return waitFor(
    async () => {
      const run = ((await (await world.api(`/api/v1/review-runs/${id}?findings=all`, key)).json()) as any).reviewRun;
      return ["COMPLETED", "FAILED", "CANCELLED"].includes(run.status) && run;
    },
    { timeoutMs: 30_000, intervalMs: 50, what: `review run ${id} to finish` },
  );
}
