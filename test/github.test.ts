import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RequestError } from "@octokit/request-error";
import { sign } from "@octokit/webhooks-methods";
import { loadConfig } from "../src/config/index.ts";
import { AppError } from "../src/errors.ts";
import { createGitHubApp, type GitHubApp, type GitHubTuning, InstallationTokenCache, verifyGitHubDelivery } from "../src/github/index.ts";
import { generateAppKeys } from "./fakes/github-auth.ts";
import { FakeGitHub } from "./fakes/github.ts";
import { startTestServer } from "./helpers/server.ts";

const dir = mkdtempSync(join(tmpdir(), "critique-github-"));
const sha = (seed: string) => createHash("sha1").update(seed).digest("hex");
const PULL = "GET /repos/{owner}/{repo}/pulls/{pull_number}";

let fake: FakeGitHub;
let github: GitHubApp;

function appFor(target: FakeGitHub, tuning: Partial<GitHubTuning> = {}, env: Record<string, string> = {}): GitHubApp {
  const app = createGitHubApp(loadConfig({ ...target.env(), CRITIQUE_DATA_DIR: dir, ...env }), undefined, { retryBaseMs: 5, ...tuning });
  if (!app) throw new Error("App not configured");
  return app;
}

function seed(target: FakeGitHub, fullName: string, installationId: number) {
  target.addRepo(fullName, { installationId });
  target.addPull(fullName, { number: 7, title: "Add widgets", base: { ref: "main", sha: sha(`${fullName}-base`) }, head: { ref: "feature", sha: sha(`${fullName}-head`) }, files: [{ filename: "src/a.ts", patch: "@@ -1 +1 @@\n-old\n+new" }] });
}

async function caught(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

beforeAll(() => {
  fake = FakeGitHub.start();
  seed(fake, "acme/widgets", 11);
  seed(fake, "other/repo", 22);
  github = appFor(fake);
});
afterAll(() => fake.stop());

describe("the App", () => {
  test("is undefined when CRITIQUE_GITHUB_APP_ID and the key are not set", () => {
    expect(createGitHubApp(loadConfig({ CRITIQUE_DATA_DIR: dir }))).toBeUndefined();
  });

  test("authenticates /app with an RS256 JWT whose iss is the App id (the fake verifies it)", async () => {
    const { data } = await github.appClient.request("GET /app");
    expect(data?.slug).toBe("critique-test");
    const sent = fake.requestsTo("GET /app").at(-1)!.headers.authorization;
    const [scheme, jwt] = sent.split(" ");
    expect(scheme.toLowerCase()).toBe("bearer");
    const claims = JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());
    expect(String(claims.iss)).toBe(String(fake.appId));
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(600);
  });

  test("a wrong private key is refused by GitHub and reported clearly", async () => {
    const wrong = appFor(fake, {}, { CRITIQUE_GITHUB_PRIVATE_KEY: generateAppKeys().privateKey });
    const error = await caught(wrong.appClient.request("GET /app"));
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe("BAD_GATEWAY");
    expect(error.message).toContain("CRITIQUE_GITHUB_PRIVATE_KEY");
  });

  test("finds the installation of a repository; an uncovered repository is NOT_FOUND", async () => {
    const installation = await github.findRepositoryInstallation("acme", "widgets");
    expect(installation.id).toBe(11);
    expect(installation.account && "login" in installation.account ? installation.account.login : undefined).toBe("acme");
    const error = await caught(github.findRepositoryInstallation("acme", "missing"));
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toBe("repository acme/missing is not on an installation of the GitHub App");
  });
});

describe("installation tokens", () => {
  test("are minted once and reused for later calls, also when calls start together", async () => {
    const app = appFor(fake);
    const before = fake.minted.length;
    const client = await app.installationClient(11);
    await Promise.all([1, 2, 3, 4].map(() => client.request(PULL, { owner: "acme", repo: "widgets", pull_number: 7 })));
    await (await app.installationClient("11")).request(PULL, { owner: "acme", repo: "widgets", pull_number: 7 });
    expect(fake.minted.length).toBe(before + 1);
    const token = fake.minted.at(-1)!.token;
    const used = fake.requestsTo(PULL).slice(-5).map((r) => r.headers.authorization);
    expect(used).toEqual(Array(5).fill(`token ${token}`));
  });

  test("are minted again when the cached one comes within five minutes of expiry", async () => {
    let skew = 0;
    const app = appFor(fake, { clock: () => Date.now() + skew });
    fake.tokenLifetimeMs = 6 * 60_000;
    const start = fake.minted.length;
    try {
      const client = await app.installationClient(11);
      await client.request(PULL, { owner: "acme", repo: "widgets", pull_number: 7 });
      await client.request(PULL, { owner: "acme", repo: "widgets", pull_number: 7 });
      expect(fake.minted.length).toBe(start + 1);
      skew = 2 * 60_000; // two minutes on: 4 minutes left, inside the margin
      await client.request(PULL, { owner: "acme", repo: "widgets", pull_number: 7 });
      expect(fake.minted.length).toBe(start + 2);
      expect(fake.requestsTo(PULL).at(-1)!.headers.authorization).toBe(`token ${fake.minted.at(-1)!.token}`);
    } finally {
      fake.tokenLifetimeMs = 60 * 60_000;
    }
  });

  test("the cache honours expires_at, not a fixed lifetime", () => {
    let now = Date.parse("2030-01-01T00:00:00Z");
    const cache = new InstallationTokenCache(5 * 60_000, () => now);
    cache.set("11", "ghs_a|2030-01-01T00:00:00Z|2030-01-01T00:10:00Z|selected|checks!");
    expect(cache.get("11")).toStartWith("ghs_a|");
    now += 5 * 60_000 - 1;
    expect(cache.get("11")).toBeDefined();
    now += 1;
    expect(cache.get("11")).toBeUndefined();
  });

  test("a token of one installation cannot read another installation's repository", async () => {
    const client = await github.installationClient(11);
    const error = await caught(client.request(PULL, { owner: "other", repo: "repo", pull_number: 7 }));
    expect(error).toBeInstanceOf(RequestError);
    expect(error.status).toBe(404);
  });
});

describe("retries and rate limits", () => {
  test("a 5xx is retried and then succeeds", async () => {
    const client = await github.installationClient(11);
    const before = fake.requestsTo(PULL).length;
    fake.fail(PULL, { status: 502, times: 2, body: { message: "Server Error" } });
    const { data } = await client.request(PULL, { owner: "acme", repo: "widgets", pull_number: 7 });
    expect(data.title).toBe("Add widgets");
    expect(fake.requestsTo(PULL).length).toBe(before + 3);
  });

  test("a 5xx that persists becomes BAD_GATEWAY after the retries; a 404 is not retried", async () => {
    const client = await github.installationClient(11);
    const before = fake.requestsTo(PULL).length;
    fake.fail(PULL, { status: 500, times: 10, body: { message: "Server Error" } });
    const error = await caught(client.request(PULL, { owner: "acme", repo: "widgets", pull_number: 7 }));
    fake.script.clear();
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe("BAD_GATEWAY");
    expect(fake.requestsTo(PULL).length).toBe(before + 4); // the call and three retries

    const beforeMissing = fake.requestsTo(PULL).length;
    const missing = await caught(client.request(PULL, { owner: "acme", repo: "widgets", pull_number: 999 }));
    expect(missing).toBeInstanceOf(RequestError);
    expect(missing.status).toBe(404);
    expect(fake.requestsTo(PULL).length).toBe(beforeMissing + 1);
  });

  test("a call GitHub leaves hanging is aborted after requestTimeoutMs and retried", async () => {
    const client = await appFor(fake, { requestTimeoutMs: 1_000 }).installationClient(11);
    const before = fake.requestsTo(PULL).length;
    fake.fail(PULL, { delayMs: 4_000 }); // no status: the normal answer comes, too late
    const { data } = await client.request(PULL, { owner: "acme", repo: "widgets", pull_number: 7 });
    expect(data.number).toBe(7);
    expect(fake.requestsTo(PULL).length).toBe(before + 2);
  }, 30_000);

  for (const [kind, status] of [["secondary", 429], ["secondary", 403], ["primary", 403], ["primary", 429]] as const) {
    test(`a ${kind} rate limit (${status}) is waited out, then the call succeeds`, async () => {
      const client = await github.installationClient(11);
      const before = fake.requestsTo(PULL).length;
      fake.rateLimit(PULL, { kind, status, waitS: 1 });
      const { data } = await client.request(PULL, { owner: "acme", repo: "widgets", pull_number: 7 });
      expect(data.number).toBe(7);
      const [limited, retried] = fake.requestsTo(PULL).slice(before);
      expect(fake.requestsTo(PULL).length).toBe(before + 2);
      // Honoured: the retry did not come before GitHub's wait was over.
      expect(retried.at - limited.at).toBeGreaterThanOrEqual(900);
    }, 30_000);
  }

  test("a rate limit longer than the bound fails at once with UNAVAILABLE and Retry-After", async () => {
    const client = await github.installationClient(11);
    const before = fake.requestsTo(PULL).length;
    fake.rateLimit(PULL, { kind: "primary", status: 403, waitS: 3600 });
    const error = await caught(client.request(PULL, { owner: "acme", repo: "widgets", pull_number: 7 }));
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.message).toContain("rate limit");
    expect(Number(error.headers["Retry-After"])).toBeGreaterThan(3000);
    expect(fake.requestsTo(PULL).length).toBe(before + 1);
  });
});

describe("write spacing", () => {
  test("content-creating calls of one installation are spaced by CRITIQUE_GITHUB_WRITE_INTERVAL_MS", async () => {
    const app = appFor(fake, {}, { CRITIQUE_GITHUB_WRITE_INTERVAL_MS: "300" });
    const client = await app.installationClient(11);
    const route = "POST /repos/{owner}/{repo}/statuses/{sha}";
    const before = fake.requestsTo(route).length;
    await Promise.all([1, 2].map(() => client.request(route, { owner: "acme", repo: "widgets", sha: sha("acme/widgets-head"), state: "pending", context: "spacing" })));
    const [first, second] = fake.requestsTo(route).slice(before);
    expect(Math.abs(second.at - first.at)).toBeGreaterThanOrEqual(250);
  });
});

describe("in the app context", () => {
  test("createContext builds ctx.github from the environment and ctx.models from the config", async () => {
    const server = await startTestServer({ ...fake.env(), CRITIQUE_LLM_BASE_URL: "http://127.0.0.1:9/v1", CRITIQUE_LLM_MODEL: "local-model" });
    try {
      const { ctx } = server.server;
      expect((await ctx.github!.findRepositoryInstallation("acme", "widgets")).id).toBe(11);
      expect(ctx.models.list().map((m) => m.id)).toEqual(["local-model"]);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe("GitHub Enterprise Server", () => {
  test("works against a base URL with /api/v3", async () => {
    const ghes = FakeGitHub.start({ pathPrefix: "/api/v3" });
    try {
      seed(ghes, "corp/service", 5);
      const app = appFor(ghes);
      expect(app.baseUrl).toEndWith("/api/v3");
      expect((await app.findRepositoryInstallation("corp", "service")).id).toBe(5);
      const client = await app.installationClient(5);
      const { data } = await client.request(PULL, { owner: "corp", repo: "service", pull_number: 7 });
      expect(data.head.ref).toBe("feature");
      expect(data.url).toStartWith(`${ghes.url}/api/v3/repos/corp/service/pulls/7`);
      expect(ghes.requests.every((r) => r.route !== undefined)).toBe(true); // nothing missed the /api/v3 prefix
    } finally {
      ghes.stop();
    }
  });
});

describe("incoming delivery signatures", () => {
  const secret = "a-webhook-secret-of-reasonable-length";
  const body = JSON.stringify({ action: "opened", number: 7 });

  test("a delivery signed with the secret passes; anything else is refused", async () => {
    await verifyGitHubDelivery(secret, body, await sign(secret, body));
    const tampered = await caught(verifyGitHubDelivery(secret, `${body} `, await sign(secret, body)));
    expect(tampered).toMatchObject({ code: "UNAUTHORIZED", message: "X-Hub-Signature-256 does not match the delivery" });
    expect(await caught(verifyGitHubDelivery(secret, body, null))).toMatchObject({ code: "UNAUTHORIZED" });
    expect(await caught(verifyGitHubDelivery(secret, body, "sha1=abc"))).toMatchObject({ code: "UNAUTHORIZED" });
    expect(await caught(verifyGitHubDelivery("another-secret", body, await sign(secret, body)))).toMatchObject({ code: "UNAUTHORIZED" });
    expect(await caught(verifyGitHubDelivery(undefined, body, await sign(secret, body)))).toMatchObject({ code: "UNAVAILABLE" });
  });
});
