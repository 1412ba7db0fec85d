import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq, inArray, lte } from "drizzle-orm";
import { remedyRunObject } from "../../plugins/merge-gate/remedy/model.ts";
import { waitFor } from "../helpers/jobs.ts";
import { call, callOk, connectMcp, textOf } from "../helpers/mcp.ts";
import { cleanFile, type FailingPull, leakyFile, type RemedyHarness, startRemedyHarness } from "../helpers/remedy.ts";

/**
 * Remedy runs over MCP, with the official SDK client over real HTTP against the real server of the remedy harness
 * (fake GitHub, the real OpenCode in a local sandbox, a scripted model): queue_remedy → get_remedy_status polled to
 * the outcome, the dedupe of an active remedy, scopes, ownership and bad input. The REST happy paths are in
 * remedy.e2e.test.ts.
 */
let h: RemedyHarness;
let alice: Client;
let reader: Client;
let bob: Client;
const clients: Client[] = [];
beforeAll(async () => {
  h = await startRemedyHarness();
  const connect = async (scopes: Parameters<RemedyHarness["server"]["key"]>[0], user: string) => {
    const client = await connectMcp(h.server.url, await h.server.key(scopes, user));
    clients.push(client);
    return client;
  };
  alice = await connect(["read:reviews", "write:reviews"], "alice");
  reader = await connect(["read:reviews"], "alice");
  // bob has every scope but was never granted installation 601.
  bob = await connect(["read:reviews", "write:reviews", "read:passports"], "bob");
});
afterAll(async () => {
  for (const client of clients) await client.close().catch(() => undefined);
  await h?.stop();
});

const TERMINAL = ["COMPLETED", "FAILED", "CANCELLED"];
const secretOf = (pull: FailingPull, path: string) => {
  const finding = pull.findings.find((f) => f.filePath === path && f.severity === "FAIL" && f.fingerprint.length > 0);
  if (!finding) throw new Error(`no FAIL finding on ${path}: ${JSON.stringify(pull.findings)}`);
  return finding;
};
const errorOf = (result: CallToolResult) => ({ isError: result.isError, status: (result._meta?.["critique/error"] as any)?.status });

/** Polls get_remedy_status over MCP (bounded) until `done` says so; returns the structured remedy and its text. */
async function pollRemedy(client: Client, remedyRunId: string, done: (remedy: any) => boolean = (r) => TERMINAL.includes(r.status), timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  const seen = new Set<string>();
  for (;;) {
    const { structured, result } = await callOk(client, "get_remedy_status", { remedyRunId });
    const remedy = structured.remedyRun;
    seen.add(`${remedy.status}/${remedy.stage}`);
    if (done(remedy)) return { remedy, text: textOf(result), seen };
    if (TERMINAL.includes(remedy.status)) throw new Error(`remedy ${remedyRunId} ended ${remedy.status} (${remedy.failureReason}) before the state waited for`);
    if (Date.now() > deadline) throw new Error(`remedy ${remedyRunId} still ${remedy.status}/${remedy.stage} after ${timeoutMs} ms`);
    await Bun.sleep(50);
  }
}

/** No job running and none due now (watchdogs and TTL jobs scheduled later are left alone). */
async function jobsQuiet(timeoutMs = 20_000) {
  const ctx = h.server.server.ctx;
  const { jobs } = ctx.tables;
  await waitFor(
    "jobs to be quiet",
    async () => {
      const running = await ctx.db.select({ id: jobs.id }).from(jobs).where(eq(jobs.status, "running")).limit(1);
      const due = await ctx.db.select({ id: jobs.id }).from(jobs).where(and(eq(jobs.status, "queued"), lte(jobs.runAt, new Date(Date.now() + 1_000)))).limit(1);
      return running.length === 0 && due.length === 0;
    },
    timeoutMs,
  );
}

describe("tools/list", () => {
  test("queue_remedy and get_remedy_status are listed with their documented input schemas", async () => {
    const { tools } = await alice.listTools();
    const queue = tools.find((t) => t.name === "queue_remedy");
    const status = tools.find((t) => t.name === "get_remedy_status");
    expect(queue).toBeDefined();
    expect(status).toBeDefined();
    for (const tool of [queue!, status!]) {
      expect(tool.description).not.toMatch(/not available/i);
      expect(tool.inputSchema.additionalProperties).toBe(false);
      for (const [field, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
        expect({ field, description: typeof (schema as any).description }).toEqual({ field, description: "string" });
      }
      expect(tool.outputSchema?.properties).toHaveProperty("remedyRun");
    }

    expect(Object.keys(queue!.inputSchema.properties ?? {}).sort()).toEqual(["findingIds", "fingerprints", "limits", "model", "reviewRunId", "severities"]);
    expect(queue!.inputSchema.required).toEqual(["reviewRunId"]);
    const qp = queue!.inputSchema.properties as Record<string, any>;
    expect(qp.reviewRunId).toMatchObject({ type: "string", minLength: 1, maxLength: 100 });
    expect(qp.findingIds).toMatchObject({ type: "array", items: { type: "string" }, minItems: 1, maxItems: 200 });
    expect(qp.fingerprints).toMatchObject({ type: "array", items: { type: "string" }, minItems: 1, maxItems: 200 });
    expect(qp.severities).toMatchObject({ type: "array", items: { enum: expect.arrayContaining(["INFO", "WARNING", "FAIL"]) } });
    expect(qp.model).toMatchObject({ type: "string" });
    expect(qp.limits).toMatchObject({ type: "object", additionalProperties: false });
    expect(Object.keys(qp.limits.properties).sort()).toEqual(["maxCredits", "maxMinutes", "maxTurns"]);
    expect(queue!.annotations).toMatchObject({ readOnlyHint: false });

    expect(Object.keys(status!.inputSchema.properties ?? {}).sort()).toEqual(["remedyRunId", "reviewRunId"]);
    expect(status!.inputSchema.required ?? []).toEqual([]);
    expect(status!.annotations).toMatchObject({ readOnlyHint: true });

    // A read-only key sees the status tool but not the one that queues.
    const readable = (await reader.listTools()).tools.map((t) => t.name);
    expect(readable).toContain("get_remedy_status");
    expect(readable).not.toContain("queue_remedy");
  });
});

describe("the remedy loop over MCP", () => {
  const path = "src/keys-mcp.ts";
  let pull: FailingPull;
  let finding: any;
  let done: any;

  test("queue_remedy → get_remedy_status polled to COMPLETED resolved; the review run shows its remedy", async () => {
    pull = await h.failingPull({ [path]: leakyFile("mcpKeys") });
    finding = secretOf(pull, path);
    h.upstream.scriptFor(path, { tool: "write", filePath: `/workspace/${path}`, content: cleanFile("mcpKeys") }, { say: "Moved the token to the environment." });

    const { structured, result } = await callOk(alice, "queue_remedy", { reviewRunId: pull.reviewRunId });
    const queued = structured.remedyRun;
    expect(remedyRunObject.safeParse(queued).success).toBe(true);
    expect(queued).toMatchObject({ object: "remedy.run", status: "QUEUED", stage: "queued", reviewRunId: pull.reviewRunId, repository: h.repo, pullRequestNumber: pull.number, headSha: pull.headSha, outcome: null, commitSha: null });
    expect(queued.targets.map((t: any) => t.fingerprint)).toContain(finding.fingerprint);
    expect(textOf(result)).toContain(`Remedy ${queued.remedyRunId}: QUEUED`);
    expect(textOf(result)).toContain("Poll get_remedy_status");

    const polled = await pollRemedy(alice, queued.remedyRunId);
    done = polled.remedy;
    expect(done).toMatchObject({ remedyRunId: queued.remedyRunId, status: "COMPLETED", stage: "done", outcome: "resolved", headBranch: pull.branch, remainingFingerprints: [], failureReason: null });
    expect(done.resolvedFingerprints).toContain(finding.fingerprint);
    expect(done.commitSha).toEqual(expect.any(String));
    expect(done.followUpReviewRunId).toEqual(expect.any(String));
    expect(polled.text).toContain("Outcome: resolved (0 targeted finding(s) remain)");
    expect(polled.text).toContain(`Fix commit ${done.commitSha} pushed; re-review ${done.followUpReviewRunId}`);
    expect(polled.text).not.toContain("Poll get_remedy_status");
    for (const state of polled.seen) expect(["QUEUED/queued", "IN_PROGRESS/fixing", "IN_PROGRESS/re-reviewing", "COMPLETED/done"]).toContain(state);
    // The COMPLETED state was read, so the commit it names is on the head branch.
    expect(h.github.branchSha(h.repo, pull.branch)).toBe(done.commitSha);

    // By review run: the same remedy (its latest).
    const byReview = await callOk(alice, "get_remedy_status", { reviewRunId: pull.reviewRunId });
    expect(byReview.structured.remedyRun).toMatchObject({
      remedyRunId: done.remedyRunId,
      status: "COMPLETED",
      outcome: "resolved",
      commitSha: done.commitSha,
      followUpReviewRunId: done.followUpReviewRunId,
      resolvedFingerprints: done.resolvedFingerprints,
    });
    expect(textOf(byReview.result)).toContain("Outcome: resolved");

    // get_review_run carries it as latestRemedyRun; the re-review judged the fix commit.
    const { structured: run } = await callOk(alice, "get_review_run", { reviewRunId: pull.reviewRunId });
    expect(run.reviewRun.latestRemedyRun).toMatchObject({ id: done.remedyRunId, status: "COMPLETED", stage: "done", outcome: "resolved", commitSha: done.commitSha, followUpReviewRunId: done.followUpReviewRunId });
    const { structured: followUp } = await callOk(alice, "get_review_run", { reviewRunId: done.followUpReviewRunId });
    expect(followUp.reviewRun).toMatchObject({ status: "COMPLETED", headSha: done.commitSha });
    expect(followUp.reviewRun.findings.map((f: any) => f.fingerprint)).not.toContain(finding.fingerprint);
  }, 90_000);

  test("queue_remedy while one is active returns that one (same remedyRunId); once it ended, a new one is queued", async () => {
    const slow = "src/keys-dedupe.ts";
    const dedupePull = await h.failingPull({ [slow]: leakyFile("slowKeys") });
    // The turn writes the fix, then the model takes 3 s over its last answer: the remedy stays active meanwhile.
    h.upstream.scriptFor(slow, { tool: "write", filePath: `/workspace/${slow}`, content: cleanFile("slowKeys") }, { wait: 3_000 });

    const first = (await callOk(alice, "queue_remedy", { reviewRunId: dedupePull.reviewRunId })).structured.remedyRun;
    expect(first.status).toBe("QUEUED");
    const again = await callOk(alice, "queue_remedy", { reviewRunId: dedupePull.reviewRunId });
    expect(again.structured.remedyRun.remedyRunId).toBe(first.remedyRunId);
    expect(textOf(again.result)).toContain(`Remedy ${first.remedyRunId} was already active for this pull request`);

    // Once the fix run works (IN_PROGRESS, fixing), asking again, even with other options, still answers the active one.
    await pollRemedy(alice, first.remedyRunId, (r) => r.status === "IN_PROGRESS");
    const during = await callOk(alice, "queue_remedy", { reviewRunId: dedupePull.reviewRunId, severities: ["FAIL"] });
    expect(during.structured.remedyRun).toMatchObject({ remedyRunId: first.remedyRunId, status: "IN_PROGRESS" });
    expect(textOf(during.result)).toContain("was already active");

    const { remedy: ended } = await pollRemedy(alice, first.remedyRunId);
    expect(ended).toMatchObject({ status: "COMPLETED", outcome: "resolved" });

    // The slot is free again: a new remedy (its review's head has moved, so it ends FAILED saying so).
    const next = await callOk(alice, "queue_remedy", { reviewRunId: dedupePull.reviewRunId });
    expect(next.structured.remedyRun.remedyRunId).not.toBe(first.remedyRunId);
    expect(textOf(next.result)).not.toContain("already active");
    const { remedy: refused } = await pollRemedy(alice, next.structured.remedyRun.remedyRunId);
    expect(refused.status).toBe("FAILED");
    expect(refused.failureReason).toContain(`moved to ${ended.commitSha.slice(0, 12)}`);
    expect((await callOk(alice, "get_remedy_status", { reviewRunId: dedupePull.reviewRunId })).structured.remedyRun.remedyRunId).toBe(refused.remedyRunId);
  }, 90_000);

  test("scopes: without write:reviews queue_remedy is a 403 tool error; read:reviews alone can poll", async () => {
    const refused = await call(reader, "queue_remedy", { reviewRunId: pull.reviewRunId });
    expect(errorOf(refused)).toEqual({ isError: true, status: 403 });
    expect(textOf(refused)).toBe("API key lacks required scope: write:reviews");
    expect(refused._meta?.["critique/error"]).toEqual({ code: "FORBIDDEN", status: 403 });

    const byId = await callOk(reader, "get_remedy_status", { remedyRunId: done.remedyRunId });
    expect(byId.structured.remedyRun).toMatchObject({ remedyRunId: done.remedyRunId, status: "COMPLETED", outcome: "resolved" });
    const byReview = await callOk(reader, "get_remedy_status", { reviewRunId: pull.reviewRunId });
    expect(byReview.structured.remedyRun.remedyRunId).toBe(done.remedyRunId);
  });

  test("ownership: another user gets 404 for both tools on alice's review run and remedy, the same as for an unknown id", async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["queue_remedy", { reviewRunId: pull.reviewRunId }, new RegExp(`Review run ${pull.reviewRunId} not found`)],
      ["get_remedy_status", { reviewRunId: pull.reviewRunId }, new RegExp(`Review run ${pull.reviewRunId} not found`)],
      ["get_remedy_status", { remedyRunId: done.remedyRunId }, new RegExp(`Remedy run ${done.remedyRunId} not found`)],
    ];
    for (const [name, args, message] of cases) {
      const result = await call(bob, name, args);
      expect({ name, ...errorOf(result) }).toEqual({ name, isError: true, status: 404 });
      expect(textOf(result)).toMatch(message);
    }
    // An id nobody has reads the same as one bob may not see.
    const unknown = await call(alice, "get_remedy_status", { remedyRunId: "no-such-remedy" });
    expect(errorOf(unknown)).toEqual({ isError: true, status: 404 });
    expect(textOf(unknown)).toBe(textOf(await call(bob, "get_remedy_status", { remedyRunId: done.remedyRunId })).replace(done.remedyRunId, "no-such-remedy"));
    // bob's attempt queued nothing: alice's latest remedy is still the one she queued.
    expect((await callOk(alice, "get_remedy_status", { reviewRunId: pull.reviewRunId })).structured.remedyRun.remedyRunId).toBe(done.remedyRunId);
  });

  test("bad input: findingIds of another review run and unknown fingerprints are 422; get_remedy_status needs an id (422)", async () => {
    const other = await h.failingPull({ "src/keys-other.ts": leakyFile("otherKeys") });
    const foreign = secretOf(other, "src/keys-other.ts");
    expect(foreign.id).not.toBe(finding.id);

    const byId = await call(alice, "queue_remedy", { reviewRunId: pull.reviewRunId, findingIds: [foreign.id] });
    expect(errorOf(byId)).toEqual({ isError: true, status: 422 });
    expect(textOf(byId)).toBe(`findingIds: ${foreign.id} is not a finding of review run ${pull.reviewRunId}`);
    const byPrint = await call(alice, "queue_remedy", { reviewRunId: other.reviewRunId, fingerprints: ["not-a-fingerprint"] });
    expect(errorOf(byPrint)).toEqual({ isError: true, status: 422 });
    expect(textOf(byPrint)).toContain("fingerprints: not-a-fingerprint is not reported by review run");
    const noneOfThat = await call(alice, "queue_remedy", { reviewRunId: other.reviewRunId, severities: ["INFO"] });
    expect(errorOf(noneOfThat)).toEqual({ isError: true, status: 422 });
    expect(textOf(noneOfThat)).toContain("Nothing to remedy");

    const nothingNamed = await call(alice, "get_remedy_status", {});
    expect(errorOf(nothingNamed)).toEqual({ isError: true, status: 422 });
    expect(textOf(nothingNamed)).toContain("Name the remedy (remedyRunId) or a review run (reviewRunId)");

    // Arguments the schema refuses are tool errors naming the field (the SDK's validation, before the tool runs).
    for (const [args, field] of [
      [{ reviewRunId: other.reviewRunId, extra: 1 }, /extra/],
      [{ reviewRunId: other.reviewRunId, limits: { maxTurns: 0 } }, /maxTurns/],
      [{}, /reviewRunId/],
    ] as const) {
      const result = await call(alice, "queue_remedy", args);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(field);
    }
    // None of these queued anything on the other review run.
    const none = await call(alice, "get_remedy_status", { reviewRunId: other.reviewRunId });
    expect(errorOf(none)).toEqual({ isError: true, status: 404 });
    expect(textOf(none)).toContain(`A remedy run of review run ${other.reviewRunId} not found`);
  }, 60_000);

  test("bad input: a review run that is not COMPLETED is refused (409) and nothing is queued", async () => {
    // Only reachable by hand: the run completed long ago and no job is due, so nothing else writes its status now.
    await jobsQuiet();
    const ctx = h.server.server.ctx;
    const runs = ctx.tables.reviewRuns;
    const [before] = await ctx.db.select({ status: runs.status }).from(runs).where(eq(runs.id, pull.reviewRunId));
    expect(before.status).toBe("COMPLETED");
    await ctx.db.update(runs).set({ status: "IN_PROGRESS" }).where(eq(runs.id, pull.reviewRunId));
    try {
      const result = await call(alice, "queue_remedy", { reviewRunId: pull.reviewRunId });
      expect(errorOf(result)).toEqual({ isError: true, status: 409 });
      expect(textOf(result)).toBe(`Review run ${pull.reviewRunId} is IN_PROGRESS: a remedy starts from a COMPLETED review (poll the run until it is)`);
    } finally {
      await ctx.db.update(runs).set({ status: "COMPLETED" }).where(and(eq(runs.id, pull.reviewRunId), inArray(runs.status, ["IN_PROGRESS"])));
    }
    const [after] = await ctx.db.select({ status: runs.status }).from(runs).where(eq(runs.id, pull.reviewRunId));
    expect(after.status).toBe("COMPLETED");
    expect((await callOk(alice, "get_remedy_status", { reviewRunId: pull.reviewRunId })).structured.remedyRun.remedyRunId).toBe(done.remedyRunId);
  }, 30_000);
});
