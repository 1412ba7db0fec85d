import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, like } from "drizzle-orm";
import { grantInstallation } from "../../src/github/installations.ts";
import { createKey } from "../../src/auth/keys.ts";
import { ensureUser } from "../../src/auth/users.ts";
import type { AppContext } from "../../src/context.ts";
import { AgentUpstream } from "../fakes/agent-upstream.ts";
import { FakeGitHub } from "../fakes/github.ts";
import { gitRoutes } from "../fakes/github-git-routes.ts";
import { createBackends, type TestBackends } from "../helpers/databases.ts";
import { legName } from "../helpers/env.ts";
import { closeContext, jobContext, type ServeProcess, serveProcesses, waitFor } from "../helpers/jobs.ts";
import { cleanFile, leakyFile } from "../helpers/remedy.ts";

/**
 * kill -9 of `critique serve` in the middle of a remedy, then a restart on the same database and queue (the leg
 * the env selects: SQLite + in-database queue, or PostgreSQL + BullMQ). A remedy must never stay IN_PROGRESS
 * after the process that moved it died, must never push twice, and must never charge twice.
 *
 * Each test gets its own world (database, queue prefix, fake GitHub, scripted model) and its own `critique serve`
 * processes, all killed at its end, so nothing one test leaves in the queue runs in another.
 */
const REPO = "acme/remedied";
const COMPARE = "GET /repos/{owner}/{repo}/compare/{basehead}";
const UPDATE_REF = "PATCH /repos/{owner}/{repo}/git/refs/{ref}";

interface World {
  backends: TestBackends;
  github: FakeGitHub;
  upstream: AgentUpstream;
  /** Not a worker: reads rows and mints the key, like test/coding-agent/sigkill.test.ts. */
  ctx: AppContext;
  env: Record<string, string>;
  key: string;
  servers: ReturnType<typeof serveProcesses>;
  configDir: string;
}
let w: World;

beforeEach(async () => {
  const backends = await createBackends();
  const github = FakeGitHub.start();
  github.addRepo(REPO, { installationId: 601 });
  github.setBranch(REPO, "main", { "README.md": "# Remedied\n", "src/app.ts": "export const app = 1;\n" });
  const upstream = AgentUpstream.start();
  const configDir = mkdtempSync(join(tmpdir(), "critique-remedy-kill-"));
  const config = join(configDir, "critique.yaml");
  writeFileSync(
    config,
    Bun.YAML.stringify({
      providers: [{ id: "agent", baseUrl: upstream.fake.baseURL, timeoutMs: 90_000 }],
      models: [{ id: "coder", targets: [{ provider: "agent", model: "up-coder" }], inputPricePerMillion: 10, outputPricePerMillion: 30 }],
      codingAgent: { defaultModel: "coder", idleTtlSeconds: 60, heartbeatSeconds: 0.5, sandboxPricePerMinute: 0.6 },
    }),
  );
  // Short leases: the restarted server takes over the killed one's jobs within a couple of seconds.
  const env = { ...backends.env, ...github.env(), CRITIQUE_CONFIG: config, CRITIQUE_JOB_LEASE_MS: "1500", CRITIQUE_JOB_POLL_MS: "100", CRITIQUE_LOG_LEVEL: "info" };
  const ctx = await jobContext(backends, { ...env, CRITIQUE_LOG_LEVEL: "silent" });
  const alice = await ensureUser(ctx, "alice");
  await grantInstallation(ctx, "601", alice.id);
  const { key } = await createKey(ctx, { name: "remedy-kill", user: "alice", scopes: ["read:reviews", "write:reviews", "read:builder", "write:builder"] });
  w = { backends, github, upstream, ctx, env, key, servers: serveProcesses(), configDir };
});

afterEach(async () => {
  await w.servers.killAll();
  w.github.stop();
  w.upstream.stop();
  await closeContext(w.ctx);
  await w.backends.dispose();
  rmSync(w.configDir, { recursive: true, force: true });
});

// ---- small helpers -------------------------------------------------------------------------------------------

async function api(server: ServeProcess, path: string, init: { method?: string; json?: unknown } = {}): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${w.key}` };
  if (init.json !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${server.url}${path}`, { method: init.method ?? "GET", headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) });
  return { status: res.status, body: await res.json() };
}

const rowOf = async <T extends keyof AppContext["tables"]>(table: T, id: string): Promise<any> => {
  const t = w.ctx.tables[table] as any;
  return (await w.ctx.db.select().from(t).where(eq(t.id, id)))[0];
};
const remedyRow = (id: string) => rowOf("remedyRuns", id);
const agentRow = (id: string) => rowOf("codingAgentRuns", id);
const reviewRow = (id: string) => rowOf("reviewRuns", id);

let branches = 0;

/** A pull request adding a leaked token at `path`, reviewed to COMPLETED (a FAIL finding) by `server`. */
async function failingPull(server: ServeProcess, path: string) {
  const branch = `feature-${branches++}`;
  w.github.setBranch(REPO, branch, { ...w.github.filesAt(REPO, "main"), [path]: leakyFile("keys") }, `Add ${path}`);
  const headSha = w.github.branchSha(REPO, branch)!;
  const number = w.github.openPull(REPO, { head: branch, base: "main", title: `Change ${branch}` });
  const queued = await api(server, "/api/v1/reviews", { method: "POST", json: { repositoryFullName: REPO, pullRequestNumber: number, headSha } });
  const reviewRunId = queued.body.review.reviewRunId;
  const done = await waitFor(`review ${reviewRunId}`, async () => {
    const { body } = await api(server, `/api/v1/review-runs/${reviewRunId}?findings=all`);
    return ["COMPLETED", "FAILED"].includes(body.reviewRun.status) && body.reviewRun;
  }, 30_000);
  expect(done.status).toBe("COMPLETED");
  const finding = done.findings.find((f: any) => f.filePath === path && f.severity === "FAIL");
  expect(finding).toBeDefined();
  return { number, branch, headSha, reviewRunId, fingerprint: finding.fingerprint as string };
}

async function queueRemedy(server: ServeProcess, reviewRunId: string): Promise<string> {
  const { status, body } = await api(server, `/api/v1/review-runs/${reviewRunId}/remedy`, { method: "POST", json: {} });
  expect(status).toBe(202);
  return body.remedyRun.remedyRunId;
}

/**
 * Waits for `server` to log the end of the remedy: "remedy ended" is the last thing endRemedy does, after the
 * ending row, the credits and the passport record, so everything an ending writes is there once it is logged.
 */
async function remedyEnded(server: ServeProcess, remedyId: string, timeoutMs = 45_000): Promise<any> {
  await waitFor(`server to log the end of remedy ${remedyId}`, () => server.logs().split("\n").some((line) => line.includes('"remedy ended"') && line.includes(remedyId)), timeoutMs);
  return (await api(server, `/api/v1/remedy-runs/${remedyId}`)).body.remedyRun;
}

/**
 * The sandbox-time hold of a coding-agent run: settled, with exactly one reserve and one settle in the ledger. A
 * run's status is written before what follows its ending (sandbox stopped, then the hold settled): wait for it.
 */
async function expectHoldSettledOnce(reservationId: string) {
  const reservation = await waitFor(`hold ${reservationId} closed`, async () => {
    const [row] = await w.ctx.db.select().from(w.ctx.tables.creditReservations).where(eq(w.ctx.tables.creditReservations.id, reservationId));
    return row?.status !== "open" && row;
  }, 20_000);
  expect(reservation.status).toBe("settled");
  const entries = await w.ctx.db.select().from(w.ctx.tables.creditLedger).where(eq(w.ctx.tables.creditLedger.reservationId, reservationId));
  expect(entries.map((e) => e.kind).sort()).toEqual(["reserve", "settle"]);
}

const modelCallsFor = (marker: string) => w.upstream.agentRequests.filter((r) => JSON.stringify(r.messages).includes(marker)).length;
const sandboxProcesses = (runId: string) => Bun.spawnSync(["pgrep", "-f", runId]).stdout.toString().trim();

// ---- the cases ----------------------------------------------------------------------------------------------

test(`kill -9 during the fix run's turn: after the restart the remedy is FAILED with the fix run's reason, nothing pushed, the hold settled once, the slot free (${legName})`, async () => {
  const first = await w.servers.spawn(w.env);
  const path = "src/keys-kill-fix.ts";
  const pull = await failingPull(first, path);
  // The agent edits the file, then its next model call hangs: the turn is in progress, nothing is pushed yet.
  w.upstream.scriptFor(path, { tool: "write", filePath: `/workspace/${path}`, content: cleanFile("keys") }, { wait: 120_000 });
  const remedyId = await queueRemedy(first, pull.reviewRunId);

  const runId = await waitFor("the remedy to be fixing with its run RUNNING in the slow model call", async () => {
    const remedy = await remedyRow(remedyId);
    if (remedy?.status !== "IN_PROGRESS" || remedy.stage !== "fixing" || !remedy.codingAgentRunId) return undefined;
    return (await agentRow(remedy.codingAgentRunId))?.status === "RUNNING" && modelCallsFor(path) >= 2 && (remedy.codingAgentRunId as string);
  }, 45_000);

  expect(await first.signal("SIGKILL")).toBeNull();
  // bwrap --die-with-parent: the sandbox goes with the server, and nothing is left to finish the turn.
  await waitFor("the sandbox processes to exit", () => sandboxProcesses(runId) === "", 10_000);
  expect((await remedyRow(remedyId)).status).toBe("IN_PROGRESS");

  const second = await w.servers.spawn(w.env);
  const remedy = await remedyEnded(second, remedyId);
  const run = (await api(second, `/api/v1/coding-agent/runs/${runId}`)).body.run;
  expect(run.status).toBe("FAILED");
  expect(run.failureReason).toMatch(/the server stopped during turn 1/);
  expect(remedy).toMatchObject({ status: "FAILED", stage: "done", outcome: null, commitSha: null, followUpReviewRunId: null, codingAgentRunId: runId });
  expect(remedy.failureReason).toContain(`the fix run ${runId} ended FAILED`);
  expect(remedy.failureReason).toContain(run.failureReason);

  // Nothing reached GitHub: the head branch is still at the reviewed SHA, no ref was ever moved.
  expect(w.github.branchSha(REPO, pull.branch)).toBe(pull.headSha);
  expect(w.github.requestsTo(UPDATE_REF)).toEqual([]);
  expect(run.commitSha).toBeNull();

  // The run ended once (one end event), its sandbox hold settled once, the killed process's files removed.
  const ended = await agentRow(runId);
  const events = await w.ctx.db.select().from(w.ctx.tables.codingAgentEvents).where(eq(w.ctx.tables.codingAgentEvents.runId, runId));
  expect(events.filter((e) => e.type === "end")).toHaveLength(1);
  await expectHoldSettledOnce(ended.reservationId);
  expect(existsSync(join(w.backends.dataDir, "coding-agent", runId))).toBe(false);
  expect(remedy.creditsUsed).toBeCloseTo(run.creditsUsed, 6);

  // The active slot is free: the same pull request takes a new remedy (a new id, not the failed one returned).
  expect((await remedyRow(remedyId)).activeSlot).toBeNull();
  const again = await api(second, `/api/v1/review-runs/${pull.reviewRunId}/remedy`, { method: "POST", json: {} });
  expect(again.status).toBe(202);
  expect(again.body.remedyRun.remedyRunId).not.toBe(remedyId);
  expect(again.body.remedyRun.status).toBe("QUEUED");
  // Stopped here: this test is about the first remedy.
  expect((await api(second, `/api/v1/remedy-runs/${again.body.remedyRun.remedyRunId}/cancel`, { method: "POST" })).status).toBe(200);
}, 120_000);

test(`kill -9 between the pushed fix and the re-review's verdict: after the restart the remedy is COMPLETED resolved with the one fix commit, charged once (${legName})`, async () => {
  const first = await w.servers.spawn(w.env);
  const path = "src/keys-kill-review.ts";
  const pull = await failingPull(first, path);
  w.upstream.scriptFor(path, { tool: "write", filePath: `/workspace/${path}`, content: cleanFile("keys") }, { say: "Moved the token to the environment." });
  // The next compare call is the re-review's (the first review is done; the fix run never calls compare): it
  // hangs in the fake GitHub, so the first process is stopped exactly between the push and the verdict. The
  // delay answers one request only; the restarted server's retry of the review gets the normal answer.
  w.github.fail(COMPARE, { delayMs: 120_000 });
  const remedyId = await queueRemedy(first, pull.reviewRunId);

  const { commitSha, followUpReviewRunId } = await waitFor("the fix pushed and its re-review fetching the change", async () => {
    const remedy = await remedyRow(remedyId);
    if (remedy?.stage !== "re-reviewing" || !remedy.commitSha) return undefined;
    const fetching = w.github.requestsTo(COMPARE).some((r) => r.path.includes(`...${remedy.commitSha}`));
    return fetching && { commitSha: remedy.commitSha as string, followUpReviewRunId: remedy.followUpReviewRunId as string };
  }, 60_000);

  expect(await first.signal("SIGKILL")).toBeNull();
  // Rows written before the kill: the fix is on the branch, its review started and cannot finish in this process.
  expect(w.github.branchSha(REPO, pull.branch)).toBe(commitSha);
  expect((await reviewRow(followUpReviewRunId)).status).toBe("IN_PROGRESS");
  expect(await remedyRow(remedyId)).toMatchObject({ status: "IN_PROGRESS", stage: "re-reviewing" });

  const second = await w.servers.spawn(w.env);
  const remedy = await remedyEnded(second, remedyId);
  expect(remedy).toMatchObject({ status: "COMPLETED", stage: "done", outcome: "resolved", commitSha, followUpReviewRunId, remainingFingerprints: [], failureReason: null });
  expect(remedy.resolvedFingerprints).toEqual([pull.fingerprint]);

  // Exactly one commit on top of the reviewed SHA, the one pushed before the kill, with the trailer.
  expect(w.github.branchSha(REPO, pull.branch)).toBe(commitSha);
  const commit = w.github.commitInfo(REPO, commitSha);
  expect(commit.parents).toEqual([pull.headSha]);
  expect(commit.message).toContain(`Critique-Remedy-Fixes: ${pull.fingerprint}`);
  expect(w.github.filesAt(REPO, commitSha)[path]).toBe(cleanFile("keys"));
  expect(w.github.requestsTo(UPDATE_REF).filter((r) => r.path.includes(pull.branch))).toHaveLength(1);

  // The re-review was finished by the restarted server, on the fix commit.
  const review = await reviewRow(followUpReviewRunId);
  expect(review).toMatchObject({ status: "COMPLETED", headSha: commitSha });

  // Credits: the fix run plus the re-review, each charged once.
  const run = (await api(second, `/api/v1/coding-agent/runs/${remedy.codingAgentRunId}`)).body.run;
  expect(run).toMatchObject({ status: "COMPLETED", commitSha });
  expect(run.creditsUsed).toBeGreaterThan(0);
  expect(remedy.creditsUsed).toBeCloseTo(run.creditsUsed + review.creditsCharged / 1_000_000, 6);
  await expectHoldSettledOnce((await agentRow(run.id)).reservationId);
  const r = w.ctx.tables.creditReservations;
  const reviewHolds = await w.ctx.db.select().from(r).where(like(r.reference, `review:${followUpReviewRunId}:%`));
  expect(reviewHolds.map((h) => h.status)).toEqual(["settled"]);
}, 120_000);

test(`kill -9 after GitHub moved the branch but before the fix run heard back: after the restart the remedy adopts the pushed commit, COMPLETED resolved, one commit, charged once (${legName})`, async () => {
  const first = await w.servers.spawn(w.env);
  const path = "src/keys-kill-push.ts";
  const pull = await failingPull(first, path);
  w.upstream.scriptFor(path, { tool: "write", filePath: `/workspace/${path}`, content: cleanFile("keys") }, { say: "Moved the token to the environment." });
  // The fix run's ref update (the only PATCH of a ref in this test) is held by the fake GitHub: no answer comes
  // back. The test applies that very request with the fake's own handler while the answer is held, so GitHub has
  // moved the branch and the process that asked never learns it (the push's answer is lost with the process).
  w.github.fail(UPDATE_REF, { delayMs: 120_000 });
  const remedyId = await queueRemedy(first, pull.reviewRunId);

  const update = await waitFor("the fix run's ref update to reach GitHub", () => w.github.requestsTo(UPDATE_REF).find((r) => r.path.includes(pull.branch)), 60_000);
  const pushed = (update.body as { sha: string }).sha;
  const patchRef = gitRoutes(w.github.state).find(([route]) => route === UPDATE_REF)![2];
  const [owner, repo] = REPO.split("/");
  const applied = await patchRef({ params: { owner, repo, ref: `heads/${pull.branch}` }, query: new URLSearchParams(), body: update.body, raw: update.rawBody, pageUrl: `${w.github.apiUrl}${update.path}` });
  expect(applied.status).toBe(200);
  expect(w.github.branchSha(REPO, pull.branch)).toBe(pushed);

  // Still waiting for the answer: the run has not recorded the commit, the remedy is still fixing.
  const before = await remedyRow(remedyId);
  expect(before).toMatchObject({ status: "IN_PROGRESS", stage: "fixing", commitSha: null, followUpReviewRunId: null });
  const runId = before.codingAgentRunId as string;
  expect(await agentRow(runId)).toMatchObject({ status: "RUNNING", commitSha: null });

  expect(await first.signal("SIGKILL")).toBeNull();
  await waitFor("the sandbox processes to exit", () => sandboxProcesses(runId) === "", 10_000);

  const second = await w.servers.spawn(w.env);
  const remedy = await remedyEnded(second, remedyId, 60_000);
  expect(remedy).toMatchObject({ status: "COMPLETED", stage: "done", outcome: "resolved", commitSha: pushed, codingAgentRunId: runId, remainingFingerprints: [], failureReason: null });
  expect(remedy.resolvedFingerprints).toEqual([pull.fingerprint]);

  // The fix run itself ended FAILED (its turn never finished) and never recorded the commit: the remedy found it.
  const run = (await api(second, `/api/v1/coding-agent/runs/${runId}`)).body.run;
  expect(run.status).toBe("FAILED");
  expect(run.failureReason).toMatch(/the server stopped during turn 1/);
  expect(run.commitSha).toBeNull();
  expect(second.logs()).toContain('"remedy pushed its fix"');

  // Exactly one commit on top of the reviewed SHA: the one the lost request pushed, with the remedy's message.
  expect(w.github.branchSha(REPO, pull.branch)).toBe(pushed);
  const commit = w.github.commitInfo(REPO, pushed);
  expect(commit.parents).toEqual([pull.headSha]);
  expect(commit.message).toContain(`Remedy ${remedyId} `);
  expect(commit.message).toContain(`Critique-Remedy-Fixes: ${pull.fingerprint}`);
  expect(w.github.filesAt(REPO, pushed)[path]).toBe(cleanFile("keys"));
  expect(w.github.requestsTo("POST /repos/{owner}/{repo}/git/commits")).toHaveLength(1);
  expect(w.github.requestsTo(UPDATE_REF)).toHaveLength(1);

  // The re-review was queued by the restarted server and judged the adopted commit.
  const review = await reviewRow(remedy.followUpReviewRunId);
  expect(review).toMatchObject({ status: "COMPLETED", headSha: pushed, execution: 1 });

  // Credits: the fix run (up to the kill) plus the re-review, each charged once.
  expect(remedy.creditsUsed).toBeCloseTo(run.creditsUsed + review.creditsCharged / 1_000_000, 6);
  await expectHoldSettledOnce((await agentRow(runId)).reservationId);
  const r = w.ctx.tables.creditReservations;
  const reviewHolds = await w.ctx.db.select().from(r).where(like(r.reference, `review:${remedy.followUpReviewRunId}:%`));
  expect(reviewHolds.map((h) => h.status)).toEqual(["settled"]);
  expect((await remedyRow(remedyId)).activeSlot).toBeNull();
}, 120_000);
