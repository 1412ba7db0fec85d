import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeGitHub } from "../fakes/github.ts";
import { FakeOpenAI } from "../fakes/openai.ts";
import { type BinaryServer, ensureBinary, runCli, startBinary } from "../helpers/binary.ts";
import { createBackends, type TestBackends } from "../helpers/databases.ts";
import { BASE_SHA, GITHUB_TOKEN, INSTALLATION, REPO, routeFile, secretFile } from "./harness.ts";

// The merge gate from the compiled binary: the secret scanner, the tokenizer and the pipeline all run from inside it.
let cwd: string;
let backends: TestBackends;
let env: Record<string, string>;
let server: BinaryServer;
const gh = FakeGitHub.start();
const llm = FakeOpenAI.start();

beforeAll(async () => {
  await ensureBinary();
  cwd = mkdtempSync(join(tmpdir(), "critique-bin-merge-gate-"));
  backends = await createBackends();
  gh.addRepo(REPO, { installationId: INSTALLATION });
  env = { ...backends.env, ...gh.env(), CRITIQUE_LLM_BASE_URL: llm.baseURL, CRITIQUE_LLM_MODEL: "fake-model" };
  server = await startBinary(cwd, env);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  gh.stop();
  llm.stop();
  await backends?.dispose();
  rmSync(cwd, { recursive: true, force: true });
});

test("queue → poll → FAIL with a secret finding and a model finding, reported on GitHub", async () => {
  const key = JSON.parse((await runCli(["keys", "create", "--name", "ci", "--user", "alice", "--scopes", "read:reviews,write:reviews", "--json"], cwd, env)).stdout).key;
  expect((await runCli(["installations", "grant", "--installation", String(INSTALLATION), "--user", "alice"], cwd, env)).code).toBe(0);
  const head = "b".repeat(40);
  gh.addPull(REPO, { number: 9, title: "Binary", base: { ref: "main", sha: BASE_SHA }, head: { ref: "f", sha: head }, files: [secretFile, routeFile] });
  llm.responder = (body: any) =>
    String(body.messages[0].content).includes("PERFORMANCE specialist")
      ? { json: { findings: [{ severity: "WARNING", confidence: 0.8, rule: "n-plus-one", title: "Insert per user", summary: "Batch it.", filePath: routeFile.filename, startLine: 12, endLine: 12, quote: null }] } }
      : { json: { findings: [] } };

  const queued = await fetch(`${server.url}/api/v1/reviews`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ repositoryFullName: REPO, pullRequestNumber: 9, headSha: head }),
  });
  expect(queued.status).toBe(202);
  const id = ((await queued.json()) as any).review.reviewRunId;
  let run: any;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await Bun.sleep(50)) {
    run = ((await (await fetch(`${server.url}/api/v1/review-runs/${id}?findings=all`, { headers: { authorization: `Bearer ${key}` } })).json()) as any).reviewRun;
    if (run.status === "COMPLETED" || run.status === "FAILED") break;
  }
  expect(run.status).toBe("COMPLETED");
  expect(run.verdict).toBe("FAIL");
  expect(run.findings.map((f: any) => [f.specialist, f.severity])).toEqual([
    ["SECURITY", "FAIL"],
    ["PERFORMANCE", "WARNING"],
  ]);
  expect(JSON.stringify(run)).not.toContain(GITHUB_TOKEN);
  expect(gh.requestsTo("POST /repos/{owner}/{repo}/check-runs")).toHaveLength(1);
}, 60_000);
