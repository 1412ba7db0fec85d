import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rotateSigningKey } from "../../plugins/merge-gate/passports/signing.ts";
import { securitySuite } from "../helpers/security.ts";
import { INSTALLATION, jobsIdle, type MergeGateWorld, REPO, routeFile, scriptSpecialists, secretFile, seedPull, startWorld, WEBHOOK_SECRET } from "./harness.ts";

let w: MergeGateWorld;
let reader: string;
const testFile = { filename: "src/app/api/admin/users/route.test.ts", status: "added" as const, patch: "@@ -0,0 +1,2 @@\n+import { POST } from './route';\n+test('audits', () => expect(POST).toBeDefined());" };

beforeAll(async () => {
  w = await startWorld({ model: true });
  scriptSpecialists(w.llm, {});
  reader = await w.s.key(["read:passports", "read:reviews", "write:reviews"], "alice");
});
afterAll(() => w.stop());

let delivery = 0;
async function pullRequestEvent(action: string, number: number, sha: string) {
  const raw = JSON.stringify({
    action,
    number,
    installation: { id: INSTALLATION },
    repository: { full_name: REPO, owner: { login: "acme", type: "Organization" } },
    pull_request: { number, title: `PR ${number}`, draft: false, head: { sha }, base: { ref: "main" } },
  });
  const res = await w.s.request("/api/github/webhooks", {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": "pull_request", "x-github-delivery": `cc-${++delivery}`, "x-hub-signature-256": `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(raw).digest("hex")}` },
    body: raw,
  });
  expect(res.status).toBe(202);
  await jobsIdle(w);
}

const statusesFor = (sha: string) => w.gh.requestsTo("POST /repos/{owner}/{repo}/statuses/{sha}").filter((r) => r.path.includes(sha)).map((r) => r.body as any);
const get = async (path: string, key = reader) => {
  const res = await w.s.request(path, { key });
  return { status: res.status, body: (await res.json()) as any };
};

describe("the full GitHub flow", () => {
  test("PR opened → checkpoint → review → policy → statuses → passport with a timeline", async () => {
    const sha = `${"d".repeat(39)}1`;
    seedPull(w, 100, sha, [routeFile, testFile]);
    await pullRequestEvent("opened", 100, sha);

    const statuses = statusesFor(sha);
    expect(statuses.map((s) => s.context)).toEqual(["critique/checkpoint", "critique/merge-policy", "critique/merge-policy"]);
    expect(statuses[0]).toMatchObject({ state: "success", description: "pass: no checkpoint rule fired" });
    // After the checkpoint alone there is no review yet: fail closed. After the review: allowed.
    expect(statuses[1]).toMatchObject({ state: "failure", description: expect.stringContaining("no completed review") });
    expect(statuses[2]).toMatchObject({ state: "success", description: "Merge allowed" });

    const list = await get(`/api/v1/passports?repository=${REPO}`);
    const passport = list.body.passports.find((p: any) => p.pullRequestNumber === 100);
    expect(passport).toMatchObject({ repository: REPO, headSha: sha, verdict: "PASS", checkpointOutcome: "pass", policyOutcome: "allow", snapshotCount: 4 });

    const detail = await get(`/api/v1/passports/${passport.passportId}`);
    expect(detail.body.passport.timeline.map((e: any) => [e.sequence, e.kind])).toEqual([
      [1, "checkpoint"],
      [2, "policy"],
      [3, "review"],
      [4, "policy"],
    ]);
    expect(detail.body.passport.reviewRuns).toEqual([expect.objectContaining({ headSha: sha, status: "COMPLETED", verdict: "PASS" })]);
    expect(detail.body.passport.checkpoints).toEqual([expect.objectContaining({ headSha: sha, outcome: "pass" })]);
    expect(detail.body.passport.policyEvaluations.map((e: any) => e.outcome)).toEqual(["block", "allow"]);

    const run = await get(`/api/v1/review-runs/${detail.body.passport.reviewRuns[0].reviewRunId}`);
    expect(run.body.reviewRun.changePassportId).toBe(passport.passportId);
  });

  test("with autoReview [warn], a blocking checkpoint queues no review and the policy blocks", async () => {
    const world = await startWorld({ configYaml: "checkpoint:\n  autoReview: [warn]\n" });
    try {
      const sha = `${"d".repeat(39)}2`;
      seedPull(world, 101, sha, [secretFile]);
      const raw = JSON.stringify({ action: "opened", number: 101, installation: { id: INSTALLATION }, repository: { full_name: REPO, owner: { login: "acme" } }, pull_request: { number: 101, head: { sha } } });
      await world.s.request("/api/github/webhooks", {
        method: "POST",
        headers: { "x-github-event": "pull_request", "x-github-delivery": "block-1", "x-hub-signature-256": `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(raw).digest("hex")}` },
        body: raw,
      });
      await jobsIdle(world);
      const ctx = world.s.server.ctx;
      expect(await ctx.db.select().from(ctx.tables.reviewRuns)).toHaveLength(0);
      const statuses = world.gh.requestsTo("POST /repos/{owner}/{repo}/statuses/{sha}").map((r) => r.body as any);
      expect(statuses[0]).toMatchObject({ context: "critique/checkpoint", state: "failure" });
      expect(statuses[1]).toMatchObject({ context: "critique/merge-policy", state: "failure" });
      expect(statuses[1].description).toContain("checkpoint blocked");
    } finally {
      await world.stop();
    }
  });
});

describe("POST /api/v1/checkpoints", () => {
  test("queues an on-demand checkpoint whose rules carry file and line evidence", async () => {
    const sha = `${"d".repeat(39)}3`;
    seedPull(w, 102, sha, [secretFile, routeFile]);
    const res = await w.s.request("/api/v1/checkpoints", { method: "POST", key: reader, json: { repositoryFullName: REPO, pullRequestNumber: 102, headSha: sha } });
    expect(res.status).toBe(202);
    const { checkpoint } = (await res.json()) as any;
    expect(checkpoint).toMatchObject({ status: "QUEUED", outcome: null, repository: REPO, headSha: sha });
    await jobsIdle(w);
    const done = await get(`/api/v1/checkpoints/${checkpoint.checkpointId}`);
    expect(done.body.checkpoint).toMatchObject({ status: "COMPLETED", outcome: "block" });
    expect(done.body.checkpoint.rules.map((r: any) => `${r.level}:${r.rule}`)).toEqual(["block:secrets", "warn:sourceWithoutTests"]);
    expect(done.body.checkpoint.rules[0].evidence).toEqual([{ file: "src/config.ts", line: 2 }]);
  });

  test("validation errors name the field; other users get 404", async () => {
    const bad = await w.s.request("/api/v1/checkpoints", { method: "POST", key: reader, json: { repositoryFullName: REPO, pullRequestNumber: -1, headSha: "abcdef1" } });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as any).error).toContain("pullRequestNumber");
    const list = await get(`/api/v1/passports?repository=${REPO}`);
    const id = list.body.passports[0].passportId;
    const bob = await w.s.key(["read:passports", "read:reviews"], "bob");
    expect((await get(`/api/v1/passports/${id}`, bob)).status).toBe(404);
    expect((await get(`/api/v1/passports/${id}/export`, bob)).status).toBe(404);
    expect((await get("/api/v1/passports", bob)).body.passports).toEqual([]);
  });
});

describe("passport queue and export", () => {
  test("filters and cursor pagination", async () => {
    const all = await get("/api/v1/passports?limit=1");
    expect(all.body.passports).toHaveLength(1);
    const next = await get(`/api/v1/passports?limit=1&cursor=${all.body.nextCursor}`);
    expect(next.body.passports[0].passportId).not.toBe(all.body.passports[0].passportId);
    const blocked = await get("/api/v1/passports?policyOutcome=block");
    expect(blocked.body.passports.every((p: any) => p.policyOutcome === "block")).toBe(true);
    const future = await get(`/api/v1/passports?updatedSince=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.body.passports).toEqual([]);
    expect((await get("/api/v1/passports?riskBand=extreme")).status).toBe(422);
    expect((await get("/api/v1/passports?updatedSince=yesterday")).status).toBe(422);
    expect((await get("/api/v1/passports?cursor=garbage")).status).toBe(422);
  });

  test("the export verifies offline with the published key; a tampered copy is refused; rotation keeps old bundles valid", async () => {
    const { body } = await get(`/api/v1/passports?repository=${REPO}`);
    const id = body.passports.find((p: any) => p.pullRequestNumber === 100).passportId;
    const res = await w.s.request(`/api/v1/passports/${id}/export`, { key: reader });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toContain(`passport-${id}.json`);
    const text = await res.text();
    const bundle = JSON.parse(text);
    expect(bundle.passport.passportId).toBe(id);
    expect(bundle.reviewRuns[0].findings).toBeArray();
    expect(bundle.snapshots).toHaveLength(4);
    expect(text).not.toContain("webhook");

    const keys = await get("/api/v1/passports/signing-key");
    expect(keys.body.currentKeyId).toBe(bundle.signature.keyId);
    const dir = mkdtempSync(join(tmpdir(), "passport-"));
    writeFileSync(join(dir, "bundle.json"), text);
    writeFileSync(join(dir, "key.pem"), keys.body.keys[0].publicKey);
    const cli = (file: string) => Bun.spawn(["bun", "src/cli/main.ts", "passport", "verify", join(dir, file), "--public-key", join(dir, "key.pem")], { stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "" } });
    const ok = cli("bundle.json");
    expect(await ok.exited).toBe(0);
    expect(await new Response(ok.stdout).text()).toStartWith("valid");

    writeFileSync(join(dir, "tampered.json"), text.replace('"verdict":"PASS"', '"verdict":"FAIL"'));
    const bad = cli("tampered.json");
    expect(await bad.exited).toBe(1);
    expect(await new Response(bad.stdout).text()).toStartWith("INVALID");

    await rotateSigningKey(w.s.server.ctx);
    const rotated = await get("/api/v1/passports/signing-key");
    expect(rotated.body.keys).toHaveLength(2);
    expect(rotated.body.keys.find((k: any) => k.keyId === bundle.signature.keyId)).toMatchObject({ current: false, retiredAt: expect.any(String) });
    expect(await cli("bundle.json").exited).toBe(0);
    const fresh = JSON.parse(await (await w.s.request(`/api/v1/passports/${id}/export`, { key: reader })).text());
    expect(fresh.signature.keyId).toBe(rotated.body.currentKeyId);
  }, 30_000);
});

describe("security", () => {
  securitySuite(() => w.s, { method: "POST", path: "/api/v1/checkpoints", scope: "write:reviews", json: { repositoryFullName: REPO, pullRequestNumber: 1, headSha: "abcdef1" } });
  securitySuite(() => w.s, { method: "GET", path: "/api/v1/checkpoints/x", scope: "read:reviews" });
  securitySuite(() => w.s, { method: "GET", path: "/api/v1/passports", scope: "read:passports" });
  securitySuite(() => w.s, { method: "GET", path: "/api/v1/passports/x", scope: "read:passports" });
  securitySuite(() => w.s, { method: "GET", path: "/api/v1/passports/x/export", scope: "read:passports" });
  securitySuite(() => w.s, { method: "GET", path: "/api/v1/passports/signing-key", scope: "read:passports" });
});
