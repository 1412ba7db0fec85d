import { describe, expect, test } from "bun:test";
import { formatWait, normalizeServer, parseWait } from "../../src/cli/gate-client.ts";
import { annotation, escapeData, escapeProperty, type GateFinding, type GateRun, githubOutput, textOutput, verdictFails, workflowCommand } from "../../src/cli/gate-output.ts";

const finding = (over: Partial<GateFinding> = {}): GateFinding => ({
  specialist: "SECURITY",
  severity: "FAIL",
  confidence: 0.99,
  title: "Hard-coded secret (github)",
  summary: "A token is committed.",
  filePath: "src/config.ts",
  startLine: 2,
  endLine: 3,
  fingerprint: "sec:0123456789abcdef",
  ...over,
});
const run = (over: Partial<GateRun> = {}): GateRun => ({
  reviewRunId: "run_1",
  status: "COMPLETED",
  verdict: "FAIL",
  summary: "One blocking finding.",
  repository: "acme/web",
  pullRequestNumber: 9,
  headSha: "b".repeat(40),
  findings: [finding()],
  findingsTotal: 1,
  ...over,
});

describe("GitHub workflow-command escaping", () => {
  test("message data escapes %, CR and LF (in that order, so %0A in the input stays literal)", () => {
    expect(escapeData("100% done\r\nnext %0A")).toBe("100%25 done%0D%0Anext %250A");
    expect(escapeData("a: b, c")).toBe("a: b, c");
  });

  test("properties additionally escape : and ,", () => {
    expect(escapeProperty("SECURITY: a, b\n50%")).toBe("SECURITY%3A a%2C b%0A50%25");
  });

  test("a finding becomes one ::error line with file, line, endLine and title; nothing can start a second command", () => {
    const line = annotation(finding({ title: "Bad, very: bad", summary: "line one\n::error::injected\r\n100%" }));
    expect(line).toBe(
      "::error file=src/config.ts,line=2,endLine=3,title=Critique SECURITY%3A Bad%2C very%3A bad::line one%0A::error::injected%0D%0A100%25%0A(fingerprint sec:0123456789abcdef, confidence 0.99)",
    );
    expect(line.split("\n")).toHaveLength(1);
  });

  test("levels: FAIL → error, WARNING → warning, INFO → notice; no file or line → those properties are left out", () => {
    expect(annotation(finding({ severity: "WARNING" }))).toStartWith("::warning file=src/config.ts,line=2,endLine=3,");
    expect(annotation(finding({ severity: "INFO", filePath: null, startLine: null, endLine: null }))).toStartWith("::notice title=Critique SECURITY%3A ");
    expect(annotation(finding({ startLine: 4, endLine: null }))).toStartWith("::error file=src/config.ts,line=4,title=");
    expect(annotation(finding({ startLine: 4, endLine: 2 }))).toStartWith("::error file=src/config.ts,line=4,title=");
    expect(annotation(finding({ filePath: "dir,with:odd/f.ts" }))).toStartWith("::error file=dir%2Cwith%3Aodd/f.ts,");
  });

  test("workflowCommand without properties", () => {
    expect(workflowCommand("notice", {}, "hi")).toBe("::notice::hi");
  });

  test("github output: one line per finding plus a summary at the gate's level", () => {
    const warn = run({ verdict: "WARN", findings: [finding({ severity: "WARNING" })] });
    expect(githubOutput(warn, "fail").at(-1)).toStartWith("::warning title=Critique verdict%3A WARN::Critique merge gate passed: verdict WARN is below --fail-on fail.");
    expect(githubOutput(warn, "warn").at(-1)).toStartWith("::error title=Critique verdict%3A WARN::Critique merge gate failed");
    const pass = githubOutput(run({ verdict: "PASS", findings: [], findingsTotal: 0 }), "fail");
    expect(pass).toEqual(["::notice title=Critique verdict%3A PASS::Critique merge gate passed: verdict PASS is below --fail-on fail. 0 finding(s): 0 FAIL, 0 WARNING, 0 INFO. acme/web#9 at bbbbbbbbbbbb (review run run_1)"]);
  });
});

describe("text output", () => {
  test("verdict, counts, top findings with file:line, outcome; every line is ours (no line starts with ::)", () => {
    const lines = textOutput(run({ summary: "Multi\n::error::line\nsummary", findings: [finding(), finding({ severity: "INFO", filePath: null, startLine: null, endLine: null, title: "x\n::warning::y" })], findingsTotal: 2 }), "fail");
    expect(lines[0]).toBe("Critique verdict: FAIL for acme/web#9 at bbbbbbbbbbbb (review run run_1)");
    expect(lines[1]).toBe("Findings: 2 (1 FAIL, 0 WARNING, 1 INFO)");
    expect(lines[2]).toBe("Summary: Multi ::error::line summary");
    expect(lines[3]).toContain("src/config.ts:2-3  Hard-coded secret (github)");
    expect(lines[4]).toContain("(no file)  x ::warning::y");
    expect(lines.at(-1)).toBe("Gate failed: verdict FAIL is at or above --fail-on fail");
    for (const line of lines) {
      expect(line).not.toMatch(/[\r\n]/);
      expect(line.trim()).not.toStartWith("::");
    }
  });

  test("more than ten findings are cut with a pointer to --format json", () => {
    const many = Array.from({ length: 12 }, (_, i) => finding({ title: `F${i}` }));
    const lines = textOutput(run({ findings: many, findingsTotal: 12 }), "fail");
    expect(lines.filter((l) => l.startsWith("  FAIL"))).toHaveLength(10);
    expect(lines).toContain("  … and 2 more (--format json lists them all)");
  });
});

describe("gate decisions and arguments", () => {
  test("--fail-on", () => {
    expect([verdictFails("FAIL", "fail"), verdictFails("WARN", "fail"), verdictFails("PASS", "fail")]).toEqual([true, false, false]);
    expect([verdictFails("FAIL", "warn"), verdictFails("WARN", "warn"), verdictFails("PASS", "warn")]).toEqual([true, true, false]);
  });

  test("--wait durations, seconds included", () => {
    expect(parseWait("30s")).toBe(30_000);
    expect(parseWait("15m")).toBe(900_000);
    expect(parseWait("1h")).toBe(3_600_000);
    expect(parseWait("0s")).toBeUndefined();
    expect(parseWait("soon")).toBeUndefined();
    expect([formatWait(1_000), formatWait(900_000), formatWait(7_200_000)]).toEqual(["1s", "15m", "2h"]);
  });

  test("--server", () => {
    expect(normalizeServer("https://critique.example.com/")).toBe("https://critique.example.com");
    expect(normalizeServer("http://10.0.0.5:8080/critique/")).toBe("http://10.0.0.5:8080/critique");
    expect(() => normalizeServer("critique.example.com")).toThrow("--server: expected a URL");
    expect(() => normalizeServer("ftp://x")).toThrow("http:// or https://");
  });
});
