import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { securitySuite } from "../helpers/security.ts";
import { BASE_SHA, GITHUB_TOKEN, jobsIdle, type MergeGateWorld, pollRun, queue, REPO, routeFile, scriptSpecialists, secretFile, seedPull, startWorld } from "./harness.ts";

// The whole merge gate over HTTP: fake GitHub App + fake model upstream, real server, real database and queue.
let w: MergeGateWorld;
beforeAll(async () => {
  w = await startWorld({ model: true });
});
afterAll(() => w.stop());

const HEAD_1 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1";
const HEAD_2 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2";
const n1 = {
  severity: "FAIL",
  confidence: 0.91,
  rule: "n-plus-one-insert",
  title: "Insert per user inside a loop",
  summary: "db.audit.insert runs once per user; batch the inserts.",
  filePath: "src/app/api/admin/users/route.ts",
  startLine: 11,
  endLine: 13,
  quote: "await db.audit.insert({ user: user.id });",
};

describe("POST /api/v1/reviews → poll → COMPLETED", () => {
  test("a scripted model finding is anchored, fingerprinted, annotated and commented inline", async () => {
    seedPull(w, 42, HEAD_1, [routeFile]);
    scriptSpecialists(w.llm, { PERFORMANCE: [n1] });
    const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 42, headSha: HEAD_1, pullRequestTitle: "Audit admin users" });
    expect(res.status).toBe(202);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as { review: Record<string, unknown> };
    expect(Object.keys(body)).toEqual(["review"]);
    expect(body.review).toEqual({ reviewRunId: expect.any(String), status: "QUEUED", repository: REPO, pullRequestNumber: 42, headSha: HEAD_1 });

    const run = await pollRun(w, body.review.reviewRunId as string);
    expect(run.status).toBe("COMPLETED");
    expect(run.verdict).toBe("FAIL");
    for (const field of ["reviewRunId", "status", "verdict", "summary", "riskBand", "riskScore", "headSha", "changePassportId", "findings", "findingsTotal", "findingsTruncated", "urls", "latestRemedyRun"]) {
      expect(run).toHaveProperty(field);
    }
    expect(run.urls.reviewRunWithFindings).toBe(`${w.s.server.ctx.config.publicUrl}/api/v1/review-runs/${run.reviewRunId}?findings=all`);
    expect(run.headSha).toBe(HEAD_1);
    expect(["low", "medium", "high", "critical"]).toContain(run.riskBand);
    expect(run.summary).toContain("Risk");
    const [finding] = run.findings;
    expect(finding).toMatchObject({ specialist: "PERFORMANCE", severity: "FAIL", filePath: n1.filePath, startLine: 11, endLine: 13, novelty: "new" });
    expect(finding.fingerprint).toMatch(/^prf:[0-9a-f]{16}$/);
    expect(run.findingsTotal).toBe(1);

    // Every specialist got the diff as delimited data, through structured outputs.
    const calls = w.llm.completions.map((r) => r.body as any);
    expect(calls).toHaveLength(5);
    for (const call of calls) {
      expect(call.response_format.type).toBe("json_schema");
      expect(call.messages[1].content).toMatch(/<<<DIFF [0-9a-f]{8}>>>[\s\S]*db\.audit\.insert[\s\S]*<<<END DIFF [0-9a-f]{8}>>>/);
    }

    await jobsIdle(w);
    // GitHub: check run in progress then completed as failure with the annotation; summary comment; inline comment.
    const created = w.gh.requestsTo("POST /repos/{owner}/{repo}/check-runs");
    expect((created[0].body as any)).toMatchObject({ name: "Critique", head_sha: HEAD_1, status: "in_progress" });
    const completed = w.gh.requestsTo("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}").at(-1)!.body as any;
    expect(completed).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(completed.output.annotations).toEqual([expect.objectContaining({ path: n1.filePath, start_line: 11, end_line: 13, annotation_level: "failure" })]);
    const comments = w.gh.requestsTo("POST /repos/{owner}/{repo}/issues/{issue_number}/comments");
    expect(comments).toHaveLength(1);
    expect((comments[0].body as any).body).toContain("critique:summary");
    const reviews = w.gh.requestsTo("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews");
    expect(reviews).toHaveLength(1);
    expect((reviews[0].body as any).comments).toEqual([expect.objectContaining({ path: n1.filePath, line: 13, side: "RIGHT" })]);
  });

  test("a second push marks the finding persisting, edits the summary in place and posts nothing new", async () => {
    const shifted = { ...routeFile, patch: routeFile.patch!.replace("@@ -10,6 +10,12 @@", "@@ -20,6 +20,12 @@") };
    seedPull(w, 42, HEAD_2, [shifted]);
    scriptSpecialists(w.llm, { PERFORMANCE: [{ ...n1, startLine: 21, endLine: 23 }] });
    const before = { comments: w.gh.requestsTo("POST /repos/{owner}/{repo}/issues/{issue_number}/comments").length, reviews: w.gh.requestsTo("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews").length };
    const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 42, headSha: HEAD_2 });
    const run = await pollRun(w, ((await res.json()) as any).review.reviewRunId);
    expect(run.findings[0]).toMatchObject({ startLine: 21, novelty: "persisting" });
    await jobsIdle(w);
    expect(w.gh.requestsTo("POST /repos/{owner}/{repo}/issues/{issue_number}/comments")).toHaveLength(before.comments);
    expect(w.gh.requestsTo("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}").length).toBeGreaterThanOrEqual(1);
    expect(w.gh.requestsTo("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews")).toHaveLength(before.reviews);
  });

  test("with its stored comment id lost, the next run finds its marked comment instead of posting another", async () => {
    const ctx = w.s.server.ctx;
    await ctx.db.delete(ctx.tables.pullRequestStates);
    const head3 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3";
    seedPull(w, 42, head3, [routeFile]);
    scriptSpecialists(w.llm, {});
    const before = w.gh.requestsTo("POST /repos/{owner}/{repo}/issues/{issue_number}/comments").length;
    const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 42, headSha: head3 });
    const run = await pollRun(w, ((await res.json()) as any).review.reviewRunId);
    expect(run.summary).toContain("Resolved since the previous review");
    await jobsIdle(w);
    expect(w.gh.requestsTo("POST /repos/{owner}/{repo}/issues/{issue_number}/comments")).toHaveLength(before);
  });

  test("a planted hard-coded secret FAILs and the secret never appears in the run", async () => {
    seedPull(w, 43, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb1", [secretFile]);
    scriptSpecialists(w.llm, {});
    const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 43, headSha: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb1" });
    const run = await pollRun(w, ((await res.json()) as any).review.reviewRunId);
    expect(run.verdict).toBe("FAIL");
    expect(run.findings[0]).toMatchObject({ specialist: "SECURITY", severity: "FAIL", filePath: "src/config.ts", startLine: 2 });
    expect(JSON.stringify(run)).not.toContain(GITHUB_TOKEN);
  });

  test("findings default to 5, sorted FAIL → WARNING → INFO then confidence; ?findings=all returns all", async () => {
    const many = Array.from({ length: 7 }, (_, i) => ({ ...n1, rule: `rule-${i}`, title: `Finding ${i}`, severity: i % 3 === 0 ? "INFO" : i % 3 === 1 ? "WARNING" : "FAIL", confidence: 0.5 + i / 20, quote: null }));
    seedPull(w, 44, "cccccccccccccccccccccccccccccccccccccc01", [routeFile]);
    scriptSpecialists(w.llm, { CODE_QUALITY: many });
    const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 44, headSha: "cccccccccccccccccccccccccccccccccccccc01" });
    const id = ((await res.json()) as any).review.reviewRunId;
    const all = await pollRun(w, id);
    expect(all.findingsTotal).toBe(7);
    expect(all.findingsTruncated).toBe(false);
    const order = all.findings.map((f: any) => [f.severity, f.confidence]);
    const rank = { FAIL: 0, WARNING: 1, INFO: 2 } as Record<string, number>;
    for (let i = 1; i < order.length; i++) {
      const [a, b] = [order[i - 1], order[i]];
      expect(rank[a[0]] < rank[b[0]] || (rank[a[0]] === rank[b[0]] && a[1] >= b[1])).toBe(true);
    }
    const capped = (await (await w.s.request(`/api/v1/review-runs/${id}`, { key: w.alice })).json()) as any;
    expect(capped.reviewRun.findings).toHaveLength(5);
    expect(capped.reviewRun.findingsTruncated).toBe(true);
    expect(capped.reviewRun.findingsTotal).toBe(7);
    expect(capped.reviewRun.findings).toEqual(all.findings.slice(0, 5));
  });
});

describe("deduplication and re-runs", () => {
  test("the same SHA while queued returns the same run; after completion it re-runs under the same id", async () => {
    const sha = "dddddddddddddddddddddddddddddddddddddd01";
    seedPull(w, 45, sha, [routeFile]);
    scriptSpecialists(w.llm, {});
    const body = { repositoryFullName: REPO, pullRequestNumber: 45, headSha: sha };
    const [a, b] = await Promise.all([queue(w, body), queue(w, body)]);
    const idA = ((await a.json()) as any).review.reviewRunId;
    const idB = ((await b.json()) as any).review.reviewRunId;
    expect(idA).toBe(idB);
    const first = await pollRun(w, idA);
    expect(first.execution).toBe(1);
    const again = await queue(w, body);
    expect(again.status).toBe(202);
    const rerun = (await again.json()) as any;
    expect(rerun.review).toMatchObject({ reviewRunId: idA, status: "QUEUED" });
    const second = await pollRun(w, idA);
    expect(second.execution).toBe(2);
    expect(second.status).toBe("COMPLETED");
    const ctx = w.s.server.ctx;
    const history = await ctx.db.select().from(ctx.tables.reviewRunHistory);
    expect(history.filter((h) => h.runId === idA).map((h) => h.execution)).toEqual([1]);
  });
});

describe("errors", () => {
  test("each invalid field is a 422 naming it", async () => {
    const good = { repositoryFullName: REPO, pullRequestNumber: 1, headSha: "abcdef1" };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, repositoryFullName: "not-a-repo" }, "repositoryFullName"],
      [{ ...good, pullRequestNumber: 0 }, "pullRequestNumber"],
      [{ ...good, pullRequestNumber: 1.5 }, "pullRequestNumber"],
      [{ ...good, headSha: "xyz" }, "headSha"],
      [{ ...good, headSha: "abc12" }, "headSha"],
      [{ repositoryFullName: REPO, headSha: "abcdef1" }, "pullRequestNumber"],
      [{ ...good, webhook: { url: "https://example.com/h", secret: "short" } }, "webhook.secret"],
      [{ ...good, webhook: { url: "https://example.com/h", secret: "x".repeat(40), events: ["review.exploded"] } }, "webhook.events"],
      [{ ...good, extra: true }, "extra"],
    ];
    for (const [body, field] of cases) {
      const res = await queue(w, body);
      expect(res.status).toBe(422);
      const { error } = (await res.json()) as { error: string };
      expect(error).toContain(field);
    }
  });

  test("a body that is not JSON is a 400 in the envelope", async () => {
    const res = await w.s.request("/api/v1/reviews", { method: "POST", key: w.alice, headers: { "content-type": "application/json" }, body: "{not json" });
    expect([400, 422]).toContain(res.status);
    expect(typeof ((await res.json()) as any).error).toBe("string");
  });

  test("a repository that is not on the App's installations is 404", async () => {
    const res = await queue(w, { repositoryFullName: "acme/unknown", pullRequestNumber: 1, headSha: "abcdef1" });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error).toContain("acme/unknown");
  });

  test("an unknown run id is 404; ?findings=other is 422", async () => {
    expect((await w.s.request("/api/v1/review-runs/nope", { key: w.alice })).status).toBe(404);
    const list = (await (await w.s.request("/api/v1/review-runs?limit=1", { key: w.alice })).json()) as any;
    const id = list.reviewRuns[0].reviewRunId;
    expect((await w.s.request(`/api/v1/review-runs/${id}?findings=some`, { key: w.alice })).status).toBe(422);
  });

  test("GitHub 404 on the change ends FAILED with a clear reason and a failed check run", async () => {
    const sha = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee01";
    seedPull(w, 46, sha, [routeFile]);
    w.gh.fail("GET /repos/{owner}/{repo}/compare/{basehead}", { status: 404, body: { message: "Not Found", status: "404" } });
    const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 46, headSha: sha });
    const run = await pollRun(w, ((await res.json()) as any).review.reviewRunId);
    expect(run.status).toBe("FAILED");
    expect(run.failureReason).toContain("404");
    expect(run.verdict).toBeNull();
    await jobsIdle(w);
    const checks = w.gh.requestsTo("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}").map((r) => r.body as any);
    expect(checks.at(-1)).toMatchObject({ status: "completed", conclusion: "failure" });
  });

  test("GitHub 403 ends FAILED naming permissions", async () => {
    const sha = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee02";
    seedPull(w, 47, sha, [routeFile]);
    w.gh.fail("GET /repos/{owner}/{repo}/pulls/{pull_number}", { status: 403, body: { message: "Resource not accessible by integration", status: "403" } });
    const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 47, headSha: sha });
    const run = await pollRun(w, ((await res.json()) as any).review.reviewRunId);
    expect(run.status).toBe("FAILED");
    expect(run.failureReason).toContain("403");
  });

  test("a GitHub 5xx burst is retried and the review completes", async () => {
    const sha = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee03";
    seedPull(w, 48, sha, [routeFile]);
    scriptSpecialists(w.llm, {});
    w.gh.fail("GET /repos/{owner}/{repo}/compare/{basehead}", { status: 502, body: { message: "Server Error" }, times: 2 });
    const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 48, headSha: sha });
    const run = await pollRun(w, ((await res.json()) as any).review.reviewRunId, w.alice, 30_000);
    expect(run.status).toBe("COMPLETED");
  });

  test("invalid model JSON is retried once, then the specialist is incomplete and the verdict is at least WARN", async () => {
    const sha = "ffffffffffffffffffffffffffffffffffffff01";
    seedPull(w, 49, sha, [routeFile]);
    w.llm.responder = (body: any) => (String(body.messages[0].content).includes("TESTS specialist") ? { content: "this is not json" } : { json: { findings: [] } });
    const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 49, headSha: sha });
    const run = await pollRun(w, ((await res.json()) as any).review.reviewRunId);
    expect(run.status).toBe("COMPLETED");
    expect(run.verdict).toBe("WARN");
    expect(run.coverage.specialists).toContainEqual(expect.objectContaining({ name: "TESTS", status: "incomplete" }));
    expect(run.summary).toContain("TESTS");
    const testsCalls = w.llm.completions.filter((r) => String((r.body as any).messages[0].content).includes("TESTS specialist") && String((r.body as any).messages[1].content).includes(sha.slice(0, 0)));
    expect(testsCalls.length).toBeGreaterThanOrEqual(2);
  });
});

describe("stuck runs", () => {
  test("a run left IN_PROGRESS past its timeout is FAILED with a reason when next looked at", async () => {
    const sha = "9999999999999999999999999999999999999991";
    seedPull(w, 50, sha, [routeFile]);
    scriptSpecialists(w.llm, {});
    const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 50, headSha: sha });
    const id = ((await res.json()) as any).review.reviewRunId;
    await pollRun(w, id);
    // Simulate a worker that vanished mid-review an hour ago.
    const ctx = w.s.server.ctx;
    await ctx.db.update(ctx.tables.reviewRuns).set({ status: "IN_PROGRESS", startedAt: new Date(Date.now() - 3_600_000), completedAt: null }).where(eq(ctx.tables.reviewRuns.id, id));
    const { reviewRun } = (await (await w.s.request(`/api/v1/review-runs/${id}`, { key: w.alice })).json()) as any;
    expect(reviewRun.status).toBe("FAILED");
    expect(reviewRun.failureReason).toContain("timeout");
    // Like any failure, it is recorded in the passport and the merge policy is evaluated again (fail closed).
    const snapshots = await ctx.db.select().from(ctx.tables.passportSnapshots).where(eq(ctx.tables.passportSnapshots.passportId, reviewRun.changePassportId));
    const last = snapshots.sort((a, b) => a.sequence - b.sequence).slice(-2);
    expect(last.map((x) => x.kind)).toEqual(["review", "policy"]);
    expect(last[0].state).toMatchObject({ reviewStatus: "FAILED" });
    expect(last[1].state).toMatchObject({ policyOutcome: "block" });
  });
});

describe("listing", () => {
  test("lists the caller's visible runs with filters and a cursor", async () => {
    const page1 = (await (await w.s.request(`/api/v1/review-runs?repository=${REPO}&limit=2`, { key: w.alice })).json()) as any;
    expect(page1.reviewRuns).toHaveLength(2);
    expect(page1.nextCursor).toBeString();
    const page2 = (await (await w.s.request(`/api/v1/review-runs?repository=${REPO}&limit=2&cursor=${page1.nextCursor}`, { key: w.alice })).json()) as any;
    expect(page2.reviewRuns[0].reviewRunId < page1.reviewRuns[1].reviewRunId).toBe(true);
    const pr42 = (await (await w.s.request("/api/v1/review-runs?pullRequestNumber=42", { key: w.alice })).json()) as any;
    expect(pr42.reviewRuns.every((r: any) => r.pullRequestNumber === 42)).toBe(true);
    const failed = (await (await w.s.request("/api/v1/review-runs?status=FAILED", { key: w.alice })).json()) as any;
    expect(failed.reviewRuns.length).toBeGreaterThan(0);
    expect(failed.reviewRuns.every((r: any) => r.status === "FAILED")).toBe(true);
    expect((await w.s.request("/api/v1/review-runs?status=DONE", { key: w.alice })).status).toBe(422);
  });

  test("another user sees none of them, and gets 404 for a run id", async () => {
    const list = (await (await w.s.request("/api/v1/review-runs", { key: w.bob })).json()) as any;
    expect(list.reviewRuns).toEqual([]);
    const mine = (await (await w.s.request("/api/v1/review-runs?limit=1", { key: w.alice })).json()) as any;
    const res = await w.s.request(`/api/v1/review-runs/${mine.reviewRuns[0].reviewRunId}`, { key: w.bob });
    expect(res.status).toBe(404);
    expect((await queue(w, { repositoryFullName: REPO, pullRequestNumber: 42, headSha: HEAD_1 }, w.bob)).status).toBe(404);
  });
});

describe("security", () => {
  securitySuite(() => w.s, { method: "POST", path: "/api/v1/reviews", scope: "write:reviews", json: { repositoryFullName: REPO, pullRequestNumber: 1, headSha: BASE_SHA } });
  securitySuite(() => w.s, { method: "GET", path: "/api/v1/review-runs/some-id", scope: "read:reviews" });
  securitySuite(() => w.s, { method: "GET", path: "/api/v1/review-runs", scope: "read:reviews" });
});
