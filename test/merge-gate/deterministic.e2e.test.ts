import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type MergeGateWorld, pollRun, queue, REPO, routeFile, secretFile, seedPull, startWorld } from "./harness.ts";

// No model configured (a deliberate setting): the deterministic analyzers still judge, and the summary says what did not run.
let w: MergeGateWorld;
beforeAll(async () => {
  w = await startWorld({ model: false });
});
afterAll(() => w.stop());

async function review(number: number, sha: string) {
  const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: number, headSha: sha });
  expect(res.status).toBe(202);
  return pollRun(w, ((await res.json()) as any).review.reviewRunId);
}

describe("without a model", () => {
  test("a planted hard-coded secret FAILs", async () => {
    seedPull(w, 70, `${"7".repeat(39)}0`, [secretFile, routeFile]);
    const run = await review(70, `${"7".repeat(39)}0`);
    expect(run.verdict).toBe("FAIL");
    expect(run.findings.map((f: any) => f.specialist)).toEqual(["SECURITY"]);
    expect(run.summary).toContain("Model specialists did not run");
    expect(run.coverage.specialists.every((s: any) => s.status === "not configured")).toBe(true);
    expect(w.llm.completions).toHaveLength(0);
  });

  test("a clean change passes, skipped files are named with their reasons", async () => {
    seedPull(w, 71, `${"7".repeat(39)}1`, [{ filename: "docs/guide.md", patch: "@@ -1,1 +1,2 @@\n # Guide\n+More words." }, { filename: "bun.lock", patch: "@@ -1 +1 @@\n-a\n+b" }, { filename: "logo.png", status: "added" }]);
    const run = await review(71, `${"7".repeat(39)}1`);
    expect(run.verdict).toBe("PASS");
    expect(run.coverage.filesSkipped).toEqual([
      { path: "bun.lock", reason: "lockfile" },
      { path: "logo.png", reason: "binary" },
    ]);
    expect(run.summary).toContain("Skipped 2 files");
  });

  test(".critique.yml is read from the base branch, never from the pull request's head", async () => {
    const sha = `${"7".repeat(39)}2`;
    // The head tries to exclude everything; the base excludes nothing: the secret is still found.
    w.gh.setFile(REPO, sha, ".critique.yml", "paths:\n  exclude: ['**']\n");
    w.gh.setFile(REPO, "main", ".critique.yml", "severityThreshold: INFO\n");
    seedPull(w, 72, sha, [secretFile, { filename: ".critique.yml", status: "added", patch: "@@ -0,0 +1,2 @@\n+paths:\n+  exclude: ['**']" }]);
    const run = await review(72, sha);
    expect(run.verdict).toBe("FAIL");
    const contents = w.gh.requestsTo("GET /repos/{owner}/{repo}/contents/{path}").map((r) => r.path);
    expect(contents.some((p) => p.includes(".critique.yml") && p.includes("ref=main"))).toBe(true);
    expect(contents.some((p) => p.includes(".critique.yml") && p.includes(sha))).toBe(false);
  });

  test("a broken .critique.yml on the base falls back to defaults and says so", async () => {
    w.gh.setFile(REPO, "main", ".critique.yml", "severityThreshold: [oops\n");
    seedPull(w, 73, `${"7".repeat(39)}3`, [routeFile]);
    const run = await review(73, `${"7".repeat(39)}3`);
    expect(run.status).toBe("COMPLETED");
    expect(run.summary).toContain(".critique.yml");
    w.gh.setFile(REPO, "main", ".critique.yml", "");
  });

  test("the spec's poll-until-terminal loop runs verbatim against the server", async () => {
    seedPull(w, 74, `${"7".repeat(39)}4`, [routeFile]);
    const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 74, headSha: `${"7".repeat(39)}4` });
    const id = ((await res.json()) as any).review.reviewRunId;
    // Copied from spec/merge-gate-api.txt; only the host, the run id and the key are filled in.
    const script = `RUN_ID="${id}"
until true; do
BODY=$(curl -s "${w.s.url}/api/v1/review-runs/$RUN_ID?findings=all" \\
-H "Authorization: Bearer ${w.alice}")
STATUS=$(echo "$BODY" | jq -r '.reviewRun.status')
echo "status=$STATUS"
case "$STATUS" in
COMPLETED|FAILED)
echo "$BODY" | jq '{verdict: .reviewRun.verdict, findingsTotal: .reviewRun.findingsTotal, findings: .reviewRun.findings}'
break
;;
esac
sleep 20
done`;
    // Spawned asynchronously: the server answering curl runs in this process.
    const run = async (text: string) => {
      const proc = Bun.spawn(["bash", "-c", text], { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
      const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
      return { stdout, code };
    };
    const verbatim = await run(script);
    expect(verbatim.code).toBe(0);
    // `until true` never enters the loop (a bug in the spec's example); the same loop as `while true` polls to the end.
    const polling = await run(script.replace("until true; do", "while true; do").replace("sleep 20", "sleep 0.2"));
    const out = polling.stdout;
    expect(polling.code).toBe(0);
    expect(out).toContain("status=COMPLETED");
    const summary = JSON.parse(out.slice(out.indexOf("{")));
    expect(summary).toEqual({ verdict: "PASS", findingsTotal: 0, findings: [] });
  });
});
