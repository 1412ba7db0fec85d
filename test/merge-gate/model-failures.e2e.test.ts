import { afterAll, beforeAll, expect, test } from "bun:test";
import { jobsIdle, type MergeGateWorld, pollRun, queue, REPO, routeFile, scriptSpecialists, seedPull, startWorld } from "./harness.ts";

let w: MergeGateWorld;
beforeAll(async () => {
  w = await startWorld({ model: true, configYaml: "review:\n  modelTimeoutMs: 400\n  confidenceFloor: 0.6\n" });
});
afterAll(() => w.stop());

async function review(number: number, sha: string) {
  const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: number, headSha: sha });
  return pollRun(w, ((await res.json()) as any).review.reviewRunId);
}

test("a model that times out is retried once, then its specialist is incomplete and the verdict is WARN", async () => {
  w.llm.responder = (body: any) => (String(body.messages[0].content).includes("SECURITY specialist") ? { delayMs: 1_500, json: { findings: [] } } : { json: { findings: [] } });
  seedPull(w, 80, `${"8".repeat(39)}0`, [routeFile]);
  const run = await review(80, `${"8".repeat(39)}0`);
  expect(run.status).toBe("COMPLETED");
  expect(run.verdict).toBe("WARN");
  expect(run.coverage.specialists).toContainEqual({ name: "SECURITY", status: "incomplete", reason: "model timed out" });
  const securityCalls = w.llm.completions.filter((r) => String((r.body as any).messages[0].content).includes("SECURITY specialist"));
  expect(securityCalls).toHaveLength(2);
});

test("an upstream 500 on every call leaves all specialists incomplete: WARN, never PASS", async () => {
  w.llm.responder = () => ({ json: { findings: [] } });
  w.llm.fail({ status: 500 }, 10);
  seedPull(w, 81, `${"8".repeat(39)}1`, [routeFile]);
  const run = await review(81, `${"8".repeat(39)}1`);
  expect(run.verdict).toBe("WARN");
  expect(run.coverage.specialists.every((s: any) => s.status === "incomplete")).toBe(true);
  expect(run.summary).toContain("model upstream answered 500");
});

test("a FAIL below the confidence floor does not fail the change", async () => {
  scriptSpecialists(w.llm, { SECURITY: [{ severity: "FAIL", confidence: 0.4, rule: "maybe", title: "Possibly unsafe", summary: "Not sure.", filePath: routeFile.filename, startLine: 11, endLine: 11, quote: null }] });
  seedPull(w, 82, `${"8".repeat(39)}2`, [routeFile]);
  const run = await review(82, `${"8".repeat(39)}2`);
  expect(run.findings[0].severity).toBe("FAIL");
  expect(run.verdict).toBe("WARN");
});

test("more than 50 located findings are annotated in batches of 50; inline comments are capped", async () => {
  const many = Array.from({ length: 60 }, (_, i) => ({ severity: "WARNING", confidence: 0.9, rule: `r${i}`, title: `Issue ${i}`, summary: "Fix it.", filePath: routeFile.filename, startLine: 11 + (i % 6), endLine: 11 + (i % 6), quote: null }));
  // A specialist answers at most 50 findings (the output schema's bound): split them over two.
  scriptSpecialists(w.llm, { CODE_QUALITY: many.slice(0, 30), PERFORMANCE: many.slice(30) });
  seedPull(w, 83, `${"8".repeat(39)}3`, [routeFile]);
  await jobsIdle(w);
  const before = w.gh.requestsTo("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}").length;
  const run = await review(83, `${"8".repeat(39)}3`);
  expect(run.findingsTotal).toBe(60);
  await jobsIdle(w);
  const patches = w.gh.requestsTo("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}").slice(before).map((r) => r.body as any);
  expect(patches.map((p) => p.output.annotations.length)).toEqual([50, 10]);
  expect(patches.at(-1)).toMatchObject({ status: "completed", conclusion: "neutral" });
  expect(patches[0].status).toBeUndefined();
  const review83 = w.gh.requestsTo("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews").at(-1)!.body as any;
  expect(review83.comments).toHaveLength(20);
});
