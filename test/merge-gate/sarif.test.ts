import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { artifactUri, buildSarif, FINGERPRINT_KEY, type SarifFinding, type SarifRunInput, sarifRuleId } from "../../plugins/merge-gate/sarif/build.ts";
import officialSchema from "../fixtures/sarif/sarif-schema-2.1.0.json" with { type: "json" };
import { type MergeGateWorld, pollRun, queue, REPO, routeFile, scriptSpecialists, secretFile, seedPull, startWorld } from "./harness.ts";

/**
 * The vendored schema is the OASIS SARIF 2.1.0 standard schema (errata 01) verbatim, from oasis-tcs/sarif-spec
 * `sarif-2.1/schema/sarif-schema-2.1.0.json`. It declares draft-04 (`$schema` and `id`), whose meta-schema Ajv 8 does
 * not ship; it uses no keyword whose meaning changed from draft-04 to draft-07 (asserted below), so it is compiled
 * as draft-07 with `id` read as `$id`. Formats (uri, uri-reference, date-time) are checked with ajv-formats.
 */
function sarifValidator(): ValidateFunction {
  const { $schema: _draft04, id, ...schema } = structuredClone(officialSchema) as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  addFormats(ajv);
  return ajv.compile({ ...schema, $id: id as string });
}
const validate = sarifValidator();

function expectValid(log: unknown) {
  const ok = validate(log);
  if (!ok) console.error(JSON.stringify(validate.errors, null, 2));
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

const base: Omit<SarifRunInput, "findings" | "verdict"> = { reviewRunId: "run_123", repository: "acme/web", pullRequestNumber: 9, headSha: "b".repeat(40), completedAt: "2026-06-17T12:00:00.000Z" };
const finding = (over: Partial<SarifFinding>): SarifFinding => ({
  id: "f1",
  specialist: "SECURITY",
  severity: "FAIL",
  confidence: 0.99,
  title: "Hard-coded secret (github)",
  summary: "A GitHub token is committed.",
  filePath: "src/config.ts",
  startLine: 2,
  endLine: 2,
  fingerprint: "sec:0123456789abcdef",
  rule: "secret:github",
  novelty: "new",
  ...over,
});
const options = { informationUri: "https://critique.example.com", toolVersion: "0.1.0" };

describe("the vendored schema", () => {
  test("is the OASIS 2.1.0 standard schema and needs nothing draft-04-only", () => {
    expect((officialSchema as any).id).toBe("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json");
    expect((officialSchema as any).properties.version.enum).toEqual(["2.1.0"]);
    const text = JSON.stringify(officialSchema);
    for (const keyword of ['"exclusiveMinimum"', '"exclusiveMaximum"', '"dependencies"', '"divisibleBy"']) expect(text).not.toContain(keyword);
  });

  test("rejects what it should (the validator is not a pass-through)", () => {
    expect(validate({ version: "2.1.0", runs: [] })).toBe(true);
    expect(validate({ version: "2.0.0", runs: [] })).toBe(false);
    const bad = { version: "2.1.0", runs: [{ tool: { driver: { name: "x" } }, results: [{ message: { text: "m" }, level: "fatal", locations: [{ physicalLocation: { artifactLocation: { uri: "a b.ts" }, region: { endLine: 3 } } }] }] }] };
    expect(validate(bad)).toBe(false);
    const paths = validate.errors!.map((e) => `${e.instancePath} ${e.keyword}`);
    expect(paths).toEqual(expect.arrayContaining(["/runs/0/results/0/level enum", "/runs/0/results/0/locations/0/physicalLocation/artifactLocation/uri format", "/runs/0/results/0/locations/0/physicalLocation/region anyOf"]));
  });
});

describe("buildSarif", () => {
  test("a FAIL run with file+line findings and a finding without a file is valid SARIF 2.1.0", () => {
    const log = buildSarif(
      {
        ...base,
        verdict: "FAIL",
        findings: [
          finding({ id: "f2", specialist: "PERFORMANCE", severity: "WARNING", confidence: 0.8, title: "Insert per user", summary: "Batch it.", filePath: "src/app/api/admin/users/route.ts", startLine: 12, endLine: 14, fingerprint: "prf:aaaaaaaaaaaaaaaa", rule: "n-plus-one" }),
          finding({}),
          finding({ id: "f3", specialist: "TESTS", severity: "INFO", confidence: 0.6, title: "No tests for the route", summary: "Add one.", filePath: null, startLine: null, endLine: null, fingerprint: "tst:bbbbbbbbbbbbbbbb", rule: "missing-tests" }),
          finding({ id: "f4", filePath: "docs/a file #1.md", startLine: 3, endLine: null, fingerprint: "sec:cccccccccccccccc", title: "Hard-coded secret (aws)", rule: "secret:github" }),
        ],
      },
      options,
    );
    expectValid(log);
    expect(log.$schema).toBe("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json");
    expect(log.version).toBe("2.1.0");
    expect(log.runs).toHaveLength(1);
    const [run] = log.runs;
    expect(run.tool.driver).toMatchObject({ name: "Critique", informationUri: "https://critique.example.com", version: "0.1.0" });
    expect(run.automationDetails).toEqual({ id: "critique/run_123" });
    // One rule per distinct specialist/rule, at the level of its most severe finding.
    expect(run.tool.driver.rules.map((r) => [r.id, r.defaultConfiguration.level])).toEqual([
      ["SECURITY/secret:github", "error"],
      ["PERFORMANCE/n-plus-one", "warning"],
      ["TESTS/missing-tests", "note"],
    ]);
    expect(run.tool.driver.rules[0]).toMatchObject({ shortDescription: { text: "SECURITY specialist: secret:github" }, properties: { tags: ["critique", "security"], "security-severity": "8.0" } });
    // Results in severity order; each points at its rule.
    expect(run.results.map((r) => [r.ruleId, r.level, run.tool.driver.rules[r.ruleIndex].id === r.ruleId])).toEqual([
      ["SECURITY/secret:github", "error", true],
      ["SECURITY/secret:github", "error", true],
      ["PERFORMANCE/n-plus-one", "warning", true],
    ]);
    const perf = run.results.find((r) => r.ruleId === "PERFORMANCE/n-plus-one")!;
    expect(perf.message.text).toBe("Insert per user\n\nBatch it.");
    expect(perf.locations).toEqual([{ physicalLocation: { artifactLocation: { uri: "src/app/api/admin/users/route.ts", uriBaseId: "%SRCROOT%" }, region: { startLine: 12, endLine: 14 } } }]);
    expect(perf.partialFingerprints).toEqual({ [FINGERPRINT_KEY]: "prf:aaaaaaaaaaaaaaaa" });
    const spaced = run.results.find((r) => r.partialFingerprints[FINGERPRINT_KEY] === "sec:cccccccccccccccc")!;
    expect(spaced.locations![0].physicalLocation).toEqual({ artifactLocation: { uri: "docs/a%20file%20%231.md", uriBaseId: "%SRCROOT%" }, region: { startLine: 3 } });
    // No file: not a result (GitHub refuses location-less results) but a tool execution notification.
    expect(run.results.find((r) => r.ruleId === "TESTS/missing-tests")).toBeUndefined();
    expect(run.results.every((r) => r.locations.length === 1)).toBe(true);
    const [note] = run.invocations[0].toolExecutionNotifications;
    expect(note).toMatchObject({ level: "note", associatedRule: { id: "TESTS/missing-tests" } });
    expect(run.tool.driver.rules[note.associatedRule.index].id).toBe("TESTS/missing-tests");
    expect(run.properties).toMatchObject({ reviewRunId: "run_123", verdict: "FAIL", repository: "acme/web", pullRequestNumber: 9 });
  });

  test("an empty PASS run is valid, with no rules and no results", () => {
    const log = buildSarif({ ...base, verdict: "PASS", findings: [] }, options);
    expectValid(log);
    expect(log.runs[0].results).toEqual([]);
    expect(log.runs[0].tool.driver.rules).toEqual([]);
  });

  test("odd model output still gives valid rule ids, URIs and regions", () => {
    const log = buildSarif(
      {
        ...base,
        verdict: "WARN",
        findings: [
          finding({ severity: "WARNING", rule: "  Weird Rule/with spaces & ünïcode!! ", filePath: "./src//x.ts", startLine: 0, endLine: 5 }),
          finding({ id: "f9", severity: "WARNING", rule: "unspecified", fingerprint: "cq:dddddddddddddddd", specialist: "CODE_QUALITY", startLine: 7, endLine: 3 }),
        ],
      },
      options,
    );
    expectValid(log);
    const [a, b] = log.runs[0].results;
    expect(a.ruleId).toBe("SECURITY/weird-rule-with-spaces-n-code");
    expect(a.locations![0].physicalLocation).toEqual({ artifactLocation: { uri: "src/x.ts", uriBaseId: "%SRCROOT%" } });
    expect(b.ruleId).toBe("CODE_QUALITY/cq");
    expect(b.locations![0].physicalLocation.region).toEqual({ startLine: 7 });
  });

  test("rule ids and artifact URIs", () => {
    expect(sarifRuleId({ specialist: "SECURITY", rule: "secret:github", fingerprint: "sec:1" })).toBe("SECURITY/secret:github");
    expect(sarifRuleId({ specialist: "TESTS", rule: "", fingerprint: "tst:1" })).toBe("TESTS/tst");
    expect(artifactUri("a/b c/d%e.ts")).toBe("a/b%20c/d%25e.ts");
    expect(artifactUri("\\win\\path.ts")).toBe("win/path.ts");
  });
});

describe("GET /api/v1/review-runs/{id}/sarif", () => {
  let w: MergeGateWorld;
  beforeAll(async () => {
    w = await startWorld({ model: true });
  }, 60_000);
  afterAll(() => w?.stop());

  test("a COMPLETED FAIL run: application/sarif+json, valid, a secret with file and lines and a finding without a file", async () => {
    const sha = "5a1f000000000000000000000000000000000001";
    seedPull(w, 301, sha, [secretFile, routeFile]);
    scriptSpecialists(w.llm, { TESTS: [{ severity: "WARNING", confidence: 0.7, rule: "missing-tests", title: "No tests", summary: "The route has no test.", filePath: null, startLine: null, endLine: null, quote: null }] });
    const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 301, headSha: sha });
    expect(res.status).toBe(202);
    const id = ((await res.json()) as any).review.reviewRunId;
    const run = await pollRun(w, id);
    expect(run).toMatchObject({ status: "COMPLETED", verdict: "FAIL" });

    const sarif = await w.s.request(`/api/v1/review-runs/${id}/sarif`, { key: w.alice });
    expect(sarif.status).toBe(200);
    expect(sarif.headers.get("content-type")).toStartWith("application/sarif+json");
    expect(sarif.headers.get("cache-control")).toBe("no-store");
    const log = (await sarif.json()) as any;
    expectValid(log);
    const results = log.runs[0].results;
    const notes = log.runs[0].invocations[0].toolExecutionNotifications;
    expect(results.length + notes.length).toBe(run.findings.length);
    expect(log.runs[0].automationDetails.id).toBe(`critique/${id}`);
    expect(log.runs[0].tool.driver.informationUri).toBe(w.s.server.ctx.config.publicUrl);
    const secret = results.find((r: any) => r.ruleId.startsWith("SECURITY/secret:"));
    const secretFinding = run.findings.find((f: any) => f.specialist === "SECURITY");
    expect(secret).toMatchObject({ level: "error", partialFingerprints: { [FINGERPRINT_KEY]: secretFinding.fingerprint } });
    expect(secret.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: "src/config.ts", uriBaseId: "%SRCROOT%" }, region: { startLine: secretFinding.startLine, endLine: secretFinding.endLine } });
    const tests = notes.find((n: any) => n.associatedRule.id === "TESTS/missing-tests");
    expect(tests.level).toBe("warning");
    expect(results.find((r: any) => r.ruleId === "TESTS/missing-tests")).toBeUndefined();
    expect(log.runs[0].tool.driver.rules.map((r: any) => r.id)).toEqual(expect.arrayContaining(["TESTS/missing-tests", secret.ruleId]));
  }, 60_000);

  test("a clean PASS run: valid with no results", async () => {
    const sha = "5a1f000000000000000000000000000000000002";
    seedPull(w, 302, sha, [{ filename: "docs/guide.md", patch: "@@ -1,1 +1,2 @@\n # Guide\n+More words." }]);
    scriptSpecialists(w.llm, {});
    const id = ((await (await queue(w, { repositoryFullName: REPO, pullRequestNumber: 302, headSha: sha })).json()) as any).review.reviewRunId;
    expect(await pollRun(w, id)).toMatchObject({ status: "COMPLETED", verdict: "PASS" });
    const log = (await (await w.s.request(`/api/v1/review-runs/${id}/sarif`, { key: w.alice })).json()) as any;
    expectValid(log);
    expect(log.runs[0].results).toEqual([]);
  }, 60_000);

  test("409 while the run is not COMPLETED; 404 for someone else's run or none; 401 without a key; 403 without read:reviews", async () => {
    const sha = "5a1f000000000000000000000000000000000003";
    seedPull(w, 303, sha, [routeFile]);
    scriptSpecialists(w.llm, {});
    // GitHub answers slowly: the run stays QUEUED/IN_PROGRESS for a few seconds.
    w.gh.fail("GET /repos/{owner}/{repo}/pulls/{pull_number}", { delayMs: 3_000 });
    const id = ((await (await queue(w, { repositoryFullName: REPO, pullRequestNumber: 303, headSha: sha })).json()) as any).review.reviewRunId;
    const early = await w.s.request(`/api/v1/review-runs/${id}/sarif`, { key: w.alice });
    expect(early.status).toBe(409);
    expect(early.headers.get("cache-control")).toBe("no-store");
    expect(((await early.json()) as any).error).toMatch(/is (QUEUED|IN_PROGRESS): SARIF is available once it is COMPLETED/);
    expect((await w.s.request(`/api/v1/review-runs/${id}/sarif`, { key: w.bob })).status).toBe(404);
    expect((await w.s.request("/api/v1/review-runs/nope/sarif", { key: w.alice })).status).toBe(404);
    expect((await w.s.request(`/api/v1/review-runs/${id}/sarif`)).status).toBe(401);
    const writeOnly = await w.s.key(["write:reviews"], "alice");
    const forbidden = await w.s.request(`/api/v1/review-runs/${id}/sarif`, { key: writeOnly });
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as any).error).toContain("read:reviews");
    expect(await pollRun(w, id)).toMatchObject({ status: "COMPLETED" });
    expect((await w.s.request(`/api/v1/review-runs/${id}/sarif`, { key: w.alice })).status).toBe(200);
  }, 60_000);

  test("is in the OpenAPI document with read:reviews and its error statuses", async () => {
    const yaml = await (await w.s.request("/api/v1/openapi")).text();
    const doc = Bun.YAML.parse(yaml) as any;
    const op = doc.paths["/api/v1/review-runs/{id}/sarif"].get;
    expect(op.security).toEqual([{ bearer: ["read:reviews"] }]);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["200", "401", "403", "404", "409"]));
    expect(Object.keys(op.responses["200"].content)).toEqual(["application/sarif+json"]);
  });
});
