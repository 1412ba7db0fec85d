import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { connect } from "node:net";
import { eq } from "drizzle-orm";
import { queueAutomaticReview } from "../../plugins/merge-gate/github/automatic-review.ts";
import { INSTALLATION, jobsIdle, type MergeGateWorld, REPO, routeFile, scriptSpecialists, seedPull, startWorld, WEBHOOK_SECRET } from "./harness.ts";

let w: MergeGateWorld;
beforeAll(async () => {
  w = await startWorld({ model: true });
  scriptSpecialists(w.llm, {});
});
afterAll(() => w.stop());

let delivery = 0;
function deliver(event: string, payload: unknown, options: { secret?: string; id?: string; signature?: string } = {}) {
  const raw = JSON.stringify(payload);
  const signature = options.signature ?? `sha256=${createHmac("sha256", options.secret ?? WEBHOOK_SECRET).update(raw).digest("hex")}`;
  return w.s.request("/api/github/webhooks", {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": event, "x-github-delivery": options.id ?? `delivery-${++delivery}`, "x-hub-signature-256": signature, "user-agent": "GitHub-Hookshot/abc" },
    body: raw,
  });
}

const pullEvent = (action: string, number: number, sha: string, extra: Record<string, unknown> = {}) => ({
  action,
  number,
  installation: { id: INSTALLATION },
  repository: { full_name: REPO, owner: { login: "acme", type: "Organization" } },
  pull_request: { number, title: `PR ${number}`, draft: false, head: { sha, ref: `f-${number}` }, base: { ref: "main", sha: "1".repeat(40) }, ...extra },
  sender: { login: "octocat", type: "User" },
});

async function runsFor(number: number) {
  const ctx = w.s.server.ctx;
  return ctx.db.select().from(ctx.tables.reviewRuns).where(eq(ctx.tables.reviewRuns.pullRequestNumber, number));
}

describe("POST /api/github/webhooks", () => {
  test("a wrong or missing signature is 401 and nothing is queued", async () => {
    const bad = await deliver("pull_request", pullEvent("opened", 60, "6".repeat(40)), { secret: "not-the-secret" });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as any).error).toContain("X-Hub-Signature-256");
    expect((await deliver("pull_request", pullEvent("opened", 60, "6".repeat(40)), { signature: "" })).status).toBe(401);
    expect(await runsFor(60)).toHaveLength(0);
  });

  test("pull_request opened queues an automatic review that completes; a redelivery is ignored", async () => {
    const sha = "7".repeat(40);
    seedPull(w, 61, sha, [routeFile]);
    const res = await deliver("pull_request", pullEvent("opened", 61, sha), { id: "fixed-delivery-61" });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: "queued", deliveryId: "fixed-delivery-61" });
    const again = await deliver("pull_request", pullEvent("opened", 61, sha), { id: "fixed-delivery-61" });
    expect(again.status).toBe(200);
    expect(((await again.json()) as any).status).toBe("duplicate");
    await jobsIdle(w);
    const runs = await runsFor(61);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: "github", status: "COMPLETED", headSha: sha, userId: null });
  });

  test("a signed body replayed under a new delivery id is a duplicate and starts nothing (issue 19)", async () => {
    const sha = "5".repeat(40);
    seedPull(w, 63, sha, [routeFile]);
    expect((await deliver("pull_request", pullEvent("opened", 63, sha), { id: "original-63" })).status).toBe(202);
    const replay = await deliver("pull_request", pullEvent("opened", 63, sha), { id: "forged-new-id-63" });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ status: "duplicate", deliveryId: "forged-new-id-63" });
    await jobsIdle(w);
    expect(await runsFor(63)).toHaveLength(1);
  });

  test("a signed-looking body over 25 MiB is 413 before it is read or verified, declared or chunked", async () => {
    // (Without a signature header it is refused even earlier, 401, body unread: test/abuse.healthz.test.ts.)
    const forged = `sha256=${"0".repeat(64)}`;
    // Declared: a raw request announcing 26 MiB gets its 413 without the server waiting for the bytes.
    const url = new URL(w.s.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.write(`POST /api/github/webhooks HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: ${26 * 1024 * 1024}\r\nX-GitHub-Event: ping\r\nX-GitHub-Delivery: big-1\r\nX-Hub-Signature-256: ${forged}\r\n\r\n{}`));
      let text = "";
      socket.on("data", (d) => {
        text += d.toString();
        if (text.includes("\r\n\r\n")) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on("error", reject);
      setTimeout(() => reject(new Error(`no answer: ${text}`)), 5_000);
    });
    expect(answer).toStartWith("HTTP/1.1 413");
    const chunk = new Uint8Array(1024 * 1024).fill(120);
    let sent = 0;
    const stream = new ReadableStream({ pull(controller) { if (sent++ < 30) controller.enqueue(chunk); else controller.close(); } });
    const chunked = await fetch(`${w.s.url}/api/github/webhooks`, { method: "POST", headers: { "x-github-event": "ping", "x-github-delivery": "big-2", "x-hub-signature-256": forged }, body: stream, duplex: "half" } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as any).error).toMatch(/larger than 25 MiB/);
  });

  test("drafts are skipped by default; unhandled events are acknowledged and ignored", async () => {
    const res = await deliver("pull_request", pullEvent("opened", 62, "8".repeat(40), { draft: true }));
    expect(res.status).toBe(202);
    await jobsIdle(w);
    expect(await runsFor(62)).toHaveLength(0);
    const ping = await deliver("ping", { zen: "Keep it logically awesome." });
    expect(ping.status).toBe(200);
    expect(((await ping.json()) as any).status).toBe("ignored");
  });

  test("installation events keep installations, repositories and the installer's access current", async () => {
    const ctx = w.s.server.ctx;
    const carolKey = await w.s.key(["read:reviews", "write:reviews"], "carol");
    const installation = { id: 88, account: { login: "globex", type: "Organization" } };
    await deliver("installation", { action: "created", installation, repositories: [{ full_name: "globex/api" }, { full_name: "globex/web" }], sender: { login: "carol" } });
    await jobsIdle(w);
    const repos = await ctx.db.select().from(ctx.tables.githubRepositories).where(eq(ctx.tables.githubRepositories.installationId, "88"));
    expect(repos.map((r) => r.fullName).sort()).toEqual(["globex/api", "globex/web"]);
    // carol installed it, so carol may queue reviews there (the fake GitHub does not know this repo: 404 would come from GitHub otherwise).
    w.gh.addRepo("globex/api", { installationId: 88 });
    const asCarol = await w.s.request("/api/v1/reviews", { method: "POST", key: carolKey, json: { repositoryFullName: "globex/api", pullRequestNumber: 1, headSha: "abcdef1" } });
    expect(asCarol.status).toBe(202);
    await deliver("installation_repositories", { action: "removed", installation, repositories_removed: [{ full_name: "globex/web" }], sender: { login: "carol" } });
    await deliver("installation", { action: "deleted", installation, sender: { login: "carol" } });
    await jobsIdle(w);
    const left = await ctx.db.select().from(ctx.tables.githubRepositories).where(eq(ctx.tables.githubRepositories.installationId, "88"));
    expect(left.map((r) => r.fullName)).toEqual(["globex/api"]);
    const [row] = await ctx.db.select().from(ctx.tables.githubInstallations).where(eq(ctx.tables.githubInstallations.id, "88"));
    expect(row.deletedAt).not.toBeNull();
  });

  // Last in this file: it stops the job workers so that runs stay queued.
  test("pushes arriving while an automatic review is still queued coalesce into the newest SHA; REST runs never do", async () => {
    const ctx = w.s.server.ctx;
    await ctx.jobs.stop(5_000);
    const [a, b, c] = [`${"9".repeat(39)}a`, `${"9".repeat(39)}b`, `${"9".repeat(39)}c`];
    const rest = await w.s.request("/api/v1/reviews", { method: "POST", key: w.alice, json: { repositoryFullName: REPO, pullRequestNumber: 63, headSha: c } });
    expect(rest.status).toBe(202);
    const repository = { installationId: "77", fullName: REPO, key: REPO };
    await queueAutomaticReview(ctx, { repository, pullRequestNumber: 63, headSha: a, title: null });
    await queueAutomaticReview(ctx, { repository, pullRequestNumber: 63, headSha: b, title: null });
    const byHead = Object.fromEntries((await runsFor(63)).map((r) => [r.headSha, r]));
    expect(byHead[a]).toMatchObject({ status: "CANCELLED", trigger: "github" });
    expect(byHead[a].failureReason).toContain("Superseded");
    expect(byHead[b]).toMatchObject({ status: "QUEUED", trigger: "github" });
    expect(byHead[c]).toMatchObject({ status: "QUEUED", trigger: "api" });
  });
});
