import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import officialSchema from "./fixtures/sarif/sarif-schema-2.1.0.json" with { type: "json" };
import { FakeGitHub } from "./fakes/github.ts";
import { FakeOpenAI } from "./fakes/openai.ts";
import { type BinaryServer, ensureBinary, freePort, runCli, startBinary } from "./helpers/binary.ts";
import { createBackends, type TestBackends } from "./helpers/databases.ts";
import { BASE_SHA, INSTALLATION, REPO, routeFile, scriptSpecialists, secretFile } from "./merge-gate/harness.ts";

// `critique gate` from the compiled binary against the compiled server, GitHub faked. The gate runs in an empty
// directory with only PATH and CRITIQUE_API_KEY: it is a client and must not need (or create) a database.
let serverCwd: string;
let gateCwd: string;
let backends: TestBackends;
let env: Record<string, string>;
let server: BinaryServer;
let key: string;
let noScopesKey: string;
const gh = FakeGitHub.start();
const llm = FakeOpenAI.start();
const PULLS = "GET /repos/{owner}/{repo}/pulls/{pull_number}";
const docsFile = { filename: "docs/guide.md", patch: "@@ -1,1 +1,2 @@\n # Guide\n+More words." };

// The OASIS SARIF 2.1.0 schema (see test/merge-gate/sarif.test.ts for why it compiles as draft-07).
const validateSarif = (() => {
  const { $schema: _draft04, id, ...schema } = structuredClone(officialSchema) as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  addFormats(ajv);
  return ajv.compile({ ...schema, $id: id as string });
})();

beforeAll(async () => {
  await ensureBinary();
  serverCwd = mkdtempSync(join(tmpdir(), "critique-bin-gate-server-"));
  gateCwd = mkdtempSync(join(tmpdir(), "critique-bin-gate-client-"));
  backends = await createBackends();
  gh.addRepo(REPO, { installationId: INSTALLATION });
  env = { ...backends.env, ...gh.env(), CRITIQUE_LLM_BASE_URL: llm.baseURL, CRITIQUE_LLM_MODEL: "fake-model" };
  server = await startBinary(serverCwd, env);
  const mint = async (scopes: string) => JSON.parse((await runCli(["keys", "create", "--name", `gate-${scopes}`, "--user", "carol", "--scopes", scopes, "--json"], serverCwd, env)).stdout).key as string;
  key = await mint("read:reviews,write:reviews");
  noScopesKey = await mint("read:passports");
  expect((await runCli(["installations", "grant", "--installation", String(INSTALLATION), "--user", "carol"], serverCwd, env)).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  gh.stop();
  llm.stop();
  await backends?.dispose();
  rmSync(serverCwd, { recursive: true, force: true });
  rmSync(gateCwd, { recursive: true, force: true });
});

function pull(number: number, sha: string, files: typeof routeFile[]) {
  gh.addPull(REPO, { number, title: `Gate ${number}`, base: { ref: "main", sha: BASE_SHA }, head: { ref: `gate-${number}`, sha }, files });
}

async function gate(args: string[], options: { key?: string; server?: string } = {}) {
  const started = performance.now();
  const result = await runCli(["gate", "--server", options.server ?? server.url, ...args], gateCwd, { CRITIQUE_API_KEY: options.key ?? key });
  return { ...result, ms: performance.now() - started };
}
const pr = (number: number, sha: string) => ["--repository", REPO, "--pull-request", String(number), "--sha", sha];

/** The gate's error contract: exit 2, nothing on stdout, exactly one stderr line after any progress lines. */
function expectError(result: { code: number; stdout: string; stderr: string }, pattern: RegExp) {
  expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 2, stdout: "" });
  const errors = result.stderr.split("\n").filter((l) => l.startsWith("critique:"));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(pattern);
}

async function waitTerminal(id: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { reviewRun } = (await (await fetch(`${server.url}/api/v1/review-runs/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as any;
    if (["COMPLETED", "FAILED", "CANCELLED"].includes(reviewRun.status)) return reviewRun;
    if (Date.now() > deadline) throw new Error(`run ${id} still ${reviewRun.status}`);
    await Bun.sleep(50);
  }
}

describe("critique gate (compiled binary)", () => {
  test("PASS → 0, with progress on stderr and a text summary on stdout; the same SHA again reuses the run", async () => {
    const sha = "9a55000000000000000000000000000000000001";
    pull(201, sha, [docsFile]);
    scriptSpecialists(llm, {});
    // GitHub answers a little slowly, so the first poll surely sees the run before it ends.
    gh.fail(PULLS, { delayMs: 1_000 });
    const first = await gate(pr(201, sha));
    expect(first.stderr).toMatch(/^review run (\S+): queued for acme\/web#201 at 9a5500000000 \(QUEUED\)$/m);
    expect(first.stderr).toMatch(/^review run \S+: (QUEUED|IN_PROGRESS) \(\d+ s\)$/m);
    expect(first.stderr).toMatch(/^review run \S+: COMPLETED with verdict PASS \(\d+ s\)$/m);
    expect(first.code).toBe(0);
    const id = /review run (\S+): queued/.exec(first.stderr)![1];
    expect(first.stdout).toStartWith(`Critique verdict: PASS for acme/web#201 at 9a5500000000 (review run ${id})\nFindings: 0 (0 FAIL, 0 WARNING, 0 INFO)\n`);
    expect(first.stdout.trimEnd().split("\n").at(-1)).toBe("Gate passed: verdict PASS is below --fail-on fail");

    const again = await gate([...pr(201, sha), "--format", "json"]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`review run ${id}: reusing the COMPLETED review of 9a5500000000`);
    const snapshot = JSON.parse(again.stdout);
    expect(snapshot.reviewRun).toMatchObject({ reviewRunId: id, status: "COMPLETED", verdict: "PASS", execution: 1, findings: [] });
  }, 60_000);

  test("FAIL → 1; --format github prints annotations; --sarif writes a file that validates against SARIF 2.1.0", async () => {
    const sha = "9a55000000000000000000000000000000000002";
    pull(202, sha, [secretFile, routeFile]);
    scriptSpecialists(llm, { TESTS: [{ severity: "INFO", confidence: 0.6, rule: "missing-tests", title: "No tests, at all: none", summary: "Add a test\nfor the route.", filePath: null, startLine: null, endLine: null, quote: null }] });
    const sarifPath = join(gateCwd, "out", "critique.sarif");
    const result = await gate([...pr(202, sha), "--format", "github", "--sarif", sarifPath]);
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^::error file=src\/config\.ts,line=2,endLine=2,title=Critique SECURITY%3A Hard-coded secret \([^)]+\)::.+%0A\(fingerprint sec:[0-9a-f]{16}, confidence 0\.99\)$/);
    // A finding without a file: no file/line properties; `,` and `:` escaped in the title, the newline in the message.
    expect(lines[1]).toMatch(/^::notice title=Critique TESTS%3A No tests%2C at all%3A none::Add a test%0Afor the route\.%0A\(fingerprint tst:[0-9a-f]{16}, confidence 0\.60\)$/);
    expect(lines.at(-1)).toMatch(/^::error title=Critique verdict%3A FAIL::Critique merge gate failed: verdict FAIL is at or above --fail-on fail\. 2 finding\(s\): 1 FAIL, 0 WARNING, 1 INFO\./);
    expect(lines).toHaveLength(3);
    expect(result.stderr).toContain(`SARIF written to ${sarifPath}`);

    const sarif = JSON.parse(readFileSync(sarifPath, "utf8"));
    const valid = validateSarif(sarif);
    if (!valid) console.error(validateSarif.errors);
    expect(valid).toBe(true);
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0].results.map((r: any) => [r.ruleId.split("/")[0], r.level, r.locations[0].physicalLocation.artifactLocation.uri])).toEqual([["SECURITY", "error", "src/config.ts"]]);
    // A finding without a file is a notification, not a result (GitHub refuses results without a location).
    expect(sarif.runs[0].invocations[0].toolExecutionNotifications.map((n: any) => [n.associatedRule.id.split("/")[0], n.level])).toEqual([["TESTS", "note"]]);
    expect(sarif.runs[0].automationDetails.id).toMatch(/^critique\/\S+$/);
  }, 60_000);

  test("WARN → 0 with the default --fail-on fail, → 1 with --fail-on warn", async () => {
    const sha = "9a55000000000000000000000000000000000003";
    pull(203, sha, [routeFile]);
    scriptSpecialists(llm, { PERFORMANCE: [{ severity: "WARNING", confidence: 0.8, rule: "n-plus-one", title: "Insert per user", summary: "Batch it.", filePath: routeFile.filename, startLine: 12, endLine: 12, quote: null }] });
    const lenient = await gate(pr(203, sha));
    expect(lenient.stdout).toContain("Critique verdict: WARN");
    expect(lenient.stdout).toContain(`WARNING PERFORMANCE  ${routeFile.filename}:12  Insert per user`);
    expect(lenient.code).toBe(0);
    const strict = await gate([...pr(203, sha), "--fail-on", "warn"]);
    expect(strict.stdout).toContain("Gate failed: verdict WARN is at or above --fail-on warn");
    expect(strict.code).toBe(1);
  }, 60_000);

  test("bad key → 2 naming 401; a key without the review scopes → 2 naming 403; unknown repository → 2 naming 404", async () => {
    expectError(await gate(pr(204, "9a55000000000000000000000000000000000004"), { key: "crt_notarealkey000000000000000000" }), /^critique: gate: GET \/api\/v1\/review-runs answered 401: .*CRITIQUE_API_KEY/);
    expectError(await gate(pr(204, "9a55000000000000000000000000000000000004"), { key: noScopesKey }), /^critique: gate: GET \/api\/v1\/review-runs answered 403: .*read:reviews/);
    expectError(await gate(["--repository", "acme/nope", "--pull-request", "1", "--sha", "9a55000000000000000000000000000000000004"]), /^critique: gate: POST \/api\/v1\/reviews answered 404: .*installation/);
    expectError(await gate(pr(204, "9a55000000000000000000000000000000000004"), { key: "" }), /^critique: gate: CRITIQUE_API_KEY is not set/);
  }, 60_000);

  test("server down (a closed port) → 2 'cannot reach'; usage errors → 2", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    expectError(await gate(pr(205, "9a55000000000000000000000000000000000005"), { server: closed }), new RegExp(`^critique: gate: cannot reach ${closed.replace(/[.]/g, "\\.")}: `));
    expectError(await gate([...pr(205, "9a55000000000000000000000000000000000005"), "--wait", "soon"]), /^critique: gate: --wait: expected a duration like 30s, 15m or 1h/);
    const usage = await gate(["--repository", REPO]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("required option '--pull-request <number>' not specified");
    expect((await gate([...pr(205, "9a55000000000000000000000000000000000005"), "--format", "xml"])).code).toBe(2);
  }, 60_000);

  test("a run that ends FAILED → 2 with its failure reason", async () => {
    const sha = "9a55000000000000000000000000000000000006";
    pull(206, sha, [routeFile]);
    gh.fail("GET /repos/{owner}/{repo}/compare/{basehead}", { status: 404, body: { message: "Not Found", status: "404" } });
    expectError(await gate(pr(206, sha)), /^critique: gate: review run \S+ FAILED: .*404/);
  }, 60_000);

  test("--wait 1s on a review that cannot finish in time → 2 'timed out', promptly", async () => {
    const sha = "9a55000000000000000000000000000000000007";
    pull(207, sha, [docsFile]);
    scriptSpecialists(llm, {});
    gh.fail(PULLS, { delayMs: 6_000 });
    const result = await gate([...pr(207, sha), "--wait", "1s"]);
    expectError(result, /^critique: gate: timed out after 1s waiting for review run \S+ \(still (QUEUED|IN_PROGRESS)\); raise --wait/);
    expect(result.ms).toBeLessThan(5_000);
    // Let the slow run finish before the server stops.
    await waitTerminal(/review run ([^\s:]+): queued/.exec(result.stderr)![1]);
  }, 60_000);

  test("brief server trouble while polling (503 from a proxy) is retried, then the verdict counts", async () => {
    let polls = 0;
    const run = { reviewRunId: "r1", status: "COMPLETED", verdict: "PASS", summary: null, repository: REPO, pullRequestNumber: 1, headSha: "9a55000000000000000000000000000000000008", findings: [], findingsTotal: 0 };
    const flaky = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch(request) {
        const path = new URL(request.url).pathname;
        if (request.headers.get("authorization") !== `Bearer ${key}`) return Response.json({ error: "no" }, { status: 401 });
        if (request.method === "GET" && path === "/api/v1/review-runs") return Response.json({ reviewRuns: [], nextCursor: null });
        if (request.method === "POST" && path === "/api/v1/reviews") return Response.json({ review: { reviewRunId: "r1", status: "QUEUED" } }, { status: 202 });
        if (path === "/api/v1/review-runs/r1") return ++polls <= 2 ? new Response("<html>Bad gateway</html>", { status: 503 }) : Response.json({ reviewRun: run });
        return Response.json({ error: "not found" }, { status: 404 });
      },
    });
    try {
      const result = await gate(pr(1, run.headSha), { server: flaky.url.origin });
      expect(result.stderr).toContain("review run r1: GET /api/v1/review-runs/r1 answered 503: <html>Bad gateway</html>; retrying (1/5)");
      expect(result.stderr).toContain("retrying (2/5)");
      expect(result.stdout).toContain("Critique verdict: PASS");
      expect(result.code).toBe(0);
      expect(polls).toBe(3);
    } finally {
      flaky.stop(true);
    }
  }, 60_000);

  test("the gate never created anything in its working directory (no database, no data dir)", () => {
    expect(readdirSync(gateCwd).filter((entry) => entry !== "out")).toEqual([]);
  });

  test("--help documents the options, the key and the exit codes", async () => {
    const help = await runCli(["gate", "--help"], gateCwd, {});
    expect(help.code).toBe(0);
    for (const text of ["--server <url>", "--repository <owner/repo>", "--pull-request <number>", "--sha <sha>", "--wait <duration>", "--fail-on <level>", "--sarif <file>", "--format <format>", "CRITIQUE_API_KEY", "Exit codes:"]) expect(help.stdout).toContain(text);
  });
});
