import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { eq } from "drizzle-orm";
import { verifyBundle } from "../../plugins/merge-gate/passports/verify.ts";
import { ensureUser } from "../../src/auth/users.ts";
import { WebhookReceiver } from "../fakes/webhook-receiver.ts";
import { legName } from "../helpers/env.ts";
import { call, callOk, connectMcp, textOf } from "../helpers/mcp.ts";
import { FAST_WEBHOOK_ENV, LIFECYCLE_SECRET } from "../webhooks/world.ts";
import { deliverGitHub, installationEvent, pullRequestEvent } from "./github-deliveries.ts";
import { INSTALLATION, jobsIdle, type MergeGateWorld, pollRun, REPO, routeFile, scriptSpecialists, seedPull, startWorld } from "./harness.ts";

/**
 * acme/web is on alice's installation 77; the App is uninstalled and installed again by carol (installation 78).
 * Everything the repository's pull request #7 gets afterwards is carol's; everything before stays alice's.
 */
const OLD = String(INSTALLATION);
const NEW = 78;
const PR = 7;
const SHA_A = "a7".repeat(20);
const SHA_B = "b7".repeat(20);
const EVENTS = ["review.run.completed", "review.run.failed", "checkpoint.gate.evaluated", "merge_policy.evaluated", "passport.snapshot.created"];
const SCOPES = ["read:reviews", "write:reviews", "read:passports", "manage:webhooks"] as const;

let w: MergeGateWorld;
let receiver: WebhookReceiver;
let alice: string;
let carol: string;
const endpoints: Record<string, string> = {};
const ids = { aliceRun: "", carolOldSha: "", carolPush: "" };

beforeAll(async () => {
  w = await startWorld({ model: true, env: FAST_WEBHOOK_ENV });
  scriptSpecialists(w.llm, {});
  receiver = WebhookReceiver.start();
  await ensureUser(w.s.server.ctx, "carol");
  alice = await w.s.key([...SCOPES], "alice");
  carol = await w.s.key([...SCOPES], "carol");
  for (const [name, key] of [["alice", alice], ["carol", carol]]) {
    const res = await w.s.request("/api/v1/webhook-endpoints", { method: "POST", key, json: { url: receiver.endpoint(`/${name}`), secret: LIFECYCLE_SECRET, events: EVENTS } });
    expect(res.status).toBe(201);
    endpoints[name] = ((await res.json()) as any).webhookEndpoint.id;
  }
});
afterAll(async () => {
  await w.stop();
  receiver.stop();
});

const get = async (path: string, key: string) => {
  const res = await w.s.request(path, { key });
  return { status: res.status, body: (await res.json()) as any };
};
const passportsOf = async (key: string) => (await get(`/api/v1/passports?repository=${REPO}`, key)).body.passports as any[];
const exportOf = async (id: string, key: string) => {
  const res = await w.s.request(`/api/v1/passports/${id}/export`, { key });
  return { status: res.status, text: await res.text() };
};
const runRow = async (id: string) => (await w.s.server.ctx.db.select().from(w.s.server.ctx.tables.reviewRuns).where(eq(w.s.server.ctx.tables.reviewRuns.id, id)))[0];

describe(`a repository installed again by someone else (${legName})`, () => {
  test("before: alice's installation reviews the pull request", async () => {
    seedPull(w, PR, SHA_A, [routeFile]);
    await deliverGitHub(w, "pull_request", pullRequestEvent("opened", INSTALLATION, REPO, PR, SHA_A));
    const [passport] = await passportsOf(alice);
    expect(passport).toMatchObject({ pullRequestNumber: PR, headSha: SHA_A, verdict: expect.any(String) });
    ids.aliceRun = passport.latestReviewRunId;
    expect(await runRow(ids.aliceRun)).toMatchObject({ installationId: OLD, status: "COMPLETED", headSha: SHA_A });
  });

  test("uninstall, reinstall by carol; carol re-queues the old SHA over REST and pushes a new one", async () => {
    await deliverGitHub(w, "installation", installationEvent("deleted", INSTALLATION, "acme", "alice", [REPO]));
    w.gh.moveRepo(REPO, NEW);
    await deliverGitHub(w, "installation", installationEvent("created", NEW, "acme", "carol", [REPO]));

    // Alice may no longer queue on the repository; carol's re-queue of alice's SHA is a new run of carol's installation.
    expect((await w.s.request("/api/v1/reviews", { method: "POST", key: alice, json: { repositoryFullName: REPO, pullRequestNumber: PR, headSha: SHA_A } })).status).toBe(404);
    const res = await w.s.request("/api/v1/reviews", { method: "POST", key: carol, json: { repositoryFullName: REPO, pullRequestNumber: PR, headSha: SHA_A } });
    expect(res.status).toBe(202);
    ids.carolOldSha = ((await res.json()) as any).review.reviewRunId;
    expect(ids.carolOldSha).not.toBe(ids.aliceRun);
    expect((await pollRun(w, ids.carolOldSha, carol)).status).toBe("COMPLETED");
    expect(await runRow(ids.carolOldSha)).toMatchObject({ installationId: String(NEW), execution: 1, headSha: SHA_A });
    expect(await runRow(ids.aliceRun)).toMatchObject({ installationId: OLD, execution: 1, status: "COMPLETED" });

    seedPull(w, PR, SHA_B, [routeFile]);
    await deliverGitHub(w, "pull_request", pullRequestEvent("synchronize", NEW, REPO, PR, SHA_B));
    const [passport] = await passportsOf(carol);
    ids.carolPush = passport.latestReviewRunId;
    expect(await runRow(ids.carolPush)).toMatchObject({ installationId: String(NEW), headSha: SHA_B, status: "COMPLETED", trigger: "github" });
  });

  test("REST: each owner sees only their own runs and passport; signed exports never mix them", async () => {
    for (const id of [ids.carolOldSha, ids.carolPush]) expect((await get(`/api/v1/review-runs/${id}`, alice)).status).toBe(404);
    expect((await get(`/api/v1/review-runs/${ids.aliceRun}`, carol)).status).toBe(404);
    const [old, ...moreOld] = await passportsOf(alice);
    const [fresh, ...moreNew] = await passportsOf(carol);
    expect([moreOld, moreNew]).toEqual([[], []]);
    expect(old.passportId).not.toBe(fresh.passportId);
    expect(old).toMatchObject({ headSha: SHA_A, latestReviewRunId: ids.aliceRun });
    expect(fresh).toMatchObject({ headSha: SHA_B, latestReviewRunId: ids.carolPush });
    expect((await get(`/api/v1/passports/${fresh.passportId}`, alice)).status).toBe(404);
    expect((await get(`/api/v1/passports/${old.passportId}`, carol)).status).toBe(404);
    expect((await exportOf(fresh.passportId, alice)).status).toBe(404);

    const detail = (await get(`/api/v1/passports/${old.passportId}`, alice)).body.passport;
    expect(detail.reviewRuns.map((r: any) => r.reviewRunId)).toEqual([ids.aliceRun]);
    const mine = (await get(`/api/v1/passports/${fresh.passportId}`, carol)).body.passport;
    expect(mine.reviewRuns.map((r: any) => r.reviewRunId).sort()).toEqual([ids.carolOldSha, ids.carolPush].sort());
    expect(mine.checkpoints.map((c: any) => c.headSha)).toEqual([SHA_B]);
    expect(mine.timeline.map((e: any) => e.refId)).not.toContain(ids.aliceRun);

    for (const [passport, key, own, other] of [[old, alice, OLD, [ids.carolOldSha, ids.carolPush]], [fresh, carol, String(NEW), [ids.aliceRun]]] as const) {
      const { status, text } = await exportOf(passport.passportId, key);
      expect(status).toBe(200);
      expect(verifyBundle(text).valid).toBe(true);
      const bundle = JSON.parse(text);
      expect(bundle.reviewRuns.length).toBeGreaterThan(0);
      for (const record of [...bundle.reviewRuns, ...bundle.checkpoints]) expect(record.installationId).toBe(own);
      for (const e of bundle.policyEvaluations) expect(e.passportId).toBe(passport.passportId);
      for (const id of other) expect(text).not.toContain(id);
    }
  });

  test("MCP: listings, passports and merge-policy outcomes are per installation; the new owner's queue dedupes on its own run", async () => {
    const clients: Client[] = [await connectMcp(w.s.url, alice), await connectMcp(w.s.url, carol)];
    try {
      const [a, c] = clients;
      const runsOf = async (client: Client) => (await callOk(client, "list_review_runs", { repository: REPO })).structured.reviewRuns.map((r: any) => r.reviewRunId).sort();
      expect(await runsOf(a)).toEqual([ids.aliceRun]);
      expect(await runsOf(c)).toEqual([ids.carolOldSha, ids.carolPush].sort());

      const oldId = (await callOk(a, "list_passports", { repository: REPO })).structured.passports.map((p: any) => p.passportId);
      const newId = (await callOk(c, "list_passports", { repository: REPO })).structured.passports.map((p: any) => p.passportId);
      expect(oldId).toHaveLength(1);
      expect(newId).toHaveLength(1);
      const denied = await call(a, "get_passport", { passportId: newId[0] });
      expect(denied.isError).toBe(true);
      expect(textOf(denied)).toContain("not found");
      expect((await call(a, "export_passport", { passportId: newId[0] })).isError).toBe(true);
      const exported = await callOk(a, "export_passport", { passportId: oldId[0] });
      expect(JSON.stringify(exported.result.content)).not.toContain(ids.carolPush);

      const byRepo = { repositoryFullName: REPO, pullRequestNumber: PR };
      expect((await callOk(a, "get_merge_policy_outcome", byRepo)).structured.mergePolicy).toMatchObject({ passportId: oldId[0], headSha: SHA_A });
      expect((await callOk(c, "get_merge_policy_outcome", byRepo)).structured.mergePolicy).toMatchObject({ passportId: newId[0], headSha: SHA_B });
      expect((await callOk(c, "get_merge_policy_outcome", { reviewRunId: ids.carolOldSha })).structured.mergePolicy.passportId).toBe(newId[0]);

      expect((await call(a, "queue_review", { ...byRepo, headSha: SHA_B })).isError).toBe(true);
      const again = await callOk(c, "queue_review", { ...byRepo, headSha: SHA_A });
      expect(again.structured.review.reviewRunId).toBe(ids.carolOldSha);
      await jobsIdle(w);
      expect(await runRow(ids.carolOldSha)).toMatchObject({ execution: 2, installationId: String(NEW) });
      expect(await runRow(ids.aliceRun)).toMatchObject({ execution: 1 });
    } finally {
      for (const client of clients) await client.close();
    }
  });

  test("webhooks: lifecycle events go to the owner of the installation that produced them, never the other", async () => {
    await jobsIdle(w);
    const bodies = (path: string) => receiver.deliveries.filter((d) => d.path === path).map((d) => d.body as any);
    const [toAlice, toCarol] = [bodies("/alice"), bodies("/carol")];
    for (const [received, own] of [[toAlice, OLD], [toCarol, String(NEW)]] as const) {
      expect(received.length).toBeGreaterThan(0);
      for (const body of received) expect(body.installationId).toBe(own);
    }
    const carolPassport = (await passportsOf(carol))[0].passportId;
    const completed = (received: any[]) => received.filter((b) => b.event === "review.run.completed").map((b) => b.id);
    expect(completed(toAlice)).toEqual([ids.aliceRun]);
    expect(new Set(completed(toCarol))).toEqual(new Set([ids.carolOldSha, ids.carolPush]));
    expect(toAlice.some((b) => b.changePassportId === carolPassport)).toBe(false);
    const policies = toCarol.filter((b) => b.event === "merge_policy.evaluated");
    expect(policies.length).toBeGreaterThan(0);
    for (const p of policies) expect(p.changePassportId).toBe(carolPassport);
    // The deliveries each owner can list match what arrived: nothing of the other's was even recorded for them.
    for (const [name, key, count] of [["alice", alice, toAlice.length], ["carol", carol, toCarol.length]] as const) {
      const listed = (await get(`/api/v1/webhook-endpoints/${endpoints[name]}/deliveries?limit=100`, key)).body.deliveries as any[];
      expect(listed.length).toBe(count);
    }
  });
});
