import { describe, expect, test } from "bun:test";
import { changeFacts } from "../../plugins/merge-gate/analysis/facts.ts";
import { fingerprintOf } from "../../plugins/merge-gate/analysis/finding.ts";
import { fromGitHubEntry, fromUnifiedDiff } from "../../plugins/merge-gate/analysis/diff.ts";
import { diffContains, postprocess, type ProposedFinding } from "../../plugins/merge-gate/analysis/postprocess.ts";
import { parseRepoConfig } from "../../plugins/merge-gate/analysis/repo-config.ts";
import { assessRisk } from "../../plugins/merge-gate/analysis/risk.ts";
import { scanAddedLinesForSecrets } from "../../plugins/merge-gate/analysis/secrets.ts";
import { selectFiles } from "../../plugins/merge-gate/analysis/select.ts";
import { decideVerdict } from "../../plugins/merge-gate/analysis/verdict.ts";

const GITHUB_TOKEN = ["ghp_", "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"].join("");

const routePatch = [
  "@@ -10,6 +10,12 @@ import { db } from '../db';",
  " export async function POST(req: Request) {",
  "   const body = await req.json();",
  "-  await requireAdmin(req);",
  `+  const client = new GitHub({ token: '${GITHUB_TOKEN}' });`,
  "+  const users = await db.users.findMany();",
  "+  for (const user of users) {",
  "+    await db.audit.insert({ user: user.id });",
  "+  }",
  "+  await client.notify(body);",
  "   return Response.json({ ok: true });",
  " }",
].join("\n");

const files = [
  fromGitHubEntry({ filename: "src/app/api/admin/users/route.ts", status: "modified", additions: 6, deletions: 1, patch: routePatch }),
  fromGitHubEntry({ filename: "package.json", status: "modified", additions: 1, deletions: 0, patch: "@@ -3,3 +3,4 @@\n   \"dependencies\": {\n+    \"left-pad\": \"1.3.0\",\n     \"zod\": \"4.0.0\"\n   }" }),
  fromGitHubEntry({ filename: "assets/logo.png", status: "added", additions: 0, deletions: 0 }),
  fromGitHubEntry({ filename: "bun.lock", status: "modified", additions: 3, deletions: 1, patch: "@@ -1,2 +1,4 @@\n {\n+  \"a\": 1,\n+  \"b\": 2,\n+  \"c\": 3,\n-  \"d\": 4\n }" }),
  fromGitHubEntry({ filename: ".github/workflows/ci.yml", status: "modified", additions: 1, deletions: 1, patch: "@@ -5,3 +5,3 @@\n jobs:\n-  runs-on: ubuntu-22.04\n+  runs-on: self-hosted\n" }),
];

describe("diff parsing", () => {
  test("GitHub per-file patches map to head line numbers", () => {
    const route = files[0];
    const added = route.lines.filter((l) => l.kind === "add");
    expect(added.map((l) => l.newLine)).toEqual([12, 13, 14, 15, 16, 17]);
    expect(route.lines.find((l) => l.kind === "del")?.text).toBe("  await requireAdmin(req);");
    expect(files[2].patchAvailable).toBe(false);
  });

  test("a whole git diff parses, with renames and new files", () => {
    const parsed = fromUnifiedDiff(
      "diff --git a/a.ts b/b.ts\nsimilarity index 90%\nrename from a.ts\nrename to b.ts\n--- a/a.ts\n+++ b/b.ts\n@@ -1,1 +1,1 @@\n-x\n+y\ndiff --git a/new.ts b/new.ts\nnew file mode 100644\n--- /dev/null\n+++ b/new.ts\n@@ -0,0 +1,2 @@\n+one\n+two\n",
    );
    expect(parsed.map((f) => [f.path, f.status])).toEqual([
      ["b.ts", "renamed"],
      ["new.ts", "added"],
    ]);
    expect(parsed[1].lines.map((l) => l.newLine)).toEqual([1, 2]);
  });
});

describe("file selection", () => {
  test("binary, lock, vendored and generated files are skipped with a reason", () => {
    const { reviewed, skipped } = selectFiles(files, parseRepoConfig(undefined).config);
    expect(reviewed.map((f) => f.path)).toEqual(["src/app/api/admin/users/route.ts", "package.json", ".github/workflows/ci.yml"]);
    expect(skipped).toEqual([
      { path: "assets/logo.png", reason: "binary" },
      { path: "bun.lock", reason: "lockfile" },
    ]);
  });

  test(".critique.yml can include a lock file and exclude paths", () => {
    const { config, problem } = parseRepoConfig("paths:\n  include: ['bun.lock']\n  exclude: ['.github/**']\n");
    expect(problem).toBeUndefined();
    const { reviewed, skipped } = selectFiles(files, config);
    expect(reviewed.map((f) => f.path)).toContain("bun.lock");
    expect(skipped).toContainEqual({ path: ".github/workflows/ci.yml", reason: "excluded by .critique.yml" });
  });

  test("a broken .critique.yml falls back to defaults and says why", () => {
    expect(parseRepoConfig("paths: [").problem).toContain("not valid YAML");
    expect(parseRepoConfig("severityThreshold: LOUD").problem).toContain("severityThreshold");
    expect(parseRepoConfig("unknownKey: 1").problem).toContain("unknownKey");
  });
});

describe("deterministic analyzers", () => {
  test("a planted secret in an added line is a FAIL at its head line, without echoing the secret", async () => {
    const findings = await scanAddedLinesForSecrets(files);
    expect(findings).toHaveLength(1);
    const [secret] = findings;
    expect(secret).toMatchObject({ specialist: "SECURITY", severity: "FAIL", filePath: "src/app/api/admin/users/route.ts", startLine: 12, endLine: 12 });
    expect(JSON.stringify(secret)).not.toContain(GITHUB_TOKEN);
    expect(secret.fingerprint).toMatch(/^sec:[0-9a-f]{16}$/);
  });

  test("a secret only in removed lines is not reported", async () => {
    const removed = fromGitHubEntry({ filename: "cfg.ts", status: "modified", additions: 0, deletions: 1, patch: `@@ -1,1 +0,0 @@\n-const t = '${GITHUB_TOKEN}';` });
    expect(await scanAddedLinesForSecrets([removed])).toEqual([]);
  });

  test("facts: sensitive paths, manifests without locks, binaries, missing tests", () => {
    const facts = changeFacts(files);
    expect(facts.sensitive.ci).toEqual([".github/workflows/ci.yml"]);
    expect(facts.manifestsChanged).toEqual(["package.json"]);
    expect(facts.manifestWithoutLock).toEqual([]);
    expect(facts.binaryAdded).toEqual(["assets/logo.png"]);
    expect(facts.sourceChangedWithoutTests).toBe(true);
    const alone = changeFacts([files[1]]);
    expect(alone.manifestWithoutLock).toEqual(["package.json"]);
    expect(changeFacts([files[3]]).lockWithoutManifest).toEqual(["bun.lock"]);
  });

  test("risk is explainable and grows with blocking findings", async () => {
    const facts = changeFacts(files);
    const calm = assessRisk(facts, []);
    const hot = assessRisk(facts, await scanAddedLinesForSecrets(files));
    expect(hot.score).toBeGreaterThan(calm.score);
    expect(hot.factors.map((f) => f.reason)).toContain("1 blocking finding");
    expect(["low", "medium", "high", "critical"]).toContain(hot.band);
  });
});

describe("post-processing", () => {
  const route = files[0];
  const base: ProposedFinding = {
    specialist: "PERFORMANCE",
    severity: "WARNING",
    confidence: 0.8,
    title: "N+1 insert in a loop",
    summary: "Each user triggers one insert.",
    filePath: route.path,
    startLine: 14,
    endLine: 16,
    rule: "n-plus-one",
  };
  const options = { files, severityThreshold: "INFO" as const, headContains: async (p: string, c: string) => diffContains(files)(p, c) };

  test("anchored findings keep their location and get a content fingerprint that survives shifted lines", async () => {
    const [finding] = await postprocess([base], options);
    expect(finding).toMatchObject({ filePath: route.path, startLine: 14, endLine: 16 });
    const shifted = fromGitHubEntry({ filename: route.path, status: "modified", additions: 6, deletions: 1, patch: routePatch.replace("@@ -10,6 +10,12 @@", "@@ -30,6 +30,12 @@") });
    const [moved] = await postprocess([{ ...base, startLine: 34, endLine: 36 }], { ...options, files: [shifted] });
    expect(moved.startLine).toBe(34);
    expect(moved.fingerprint).toBe(finding.fingerprint);
  });

  test("a file outside the change loses its location; lines outside the diff lose their range", async () => {
    const [ghost] = await postprocess([{ ...base, filePath: "src/not-in-change.ts" }], options);
    expect(ghost).toMatchObject({ filePath: null, startLine: null, endLine: null });
    const [far] = await postprocess([{ ...base, startLine: 400, endLine: 410 }], options);
    expect(far).toMatchObject({ filePath: route.path, startLine: null, endLine: null });
  });

  test("a FAIL quoting code that is not in the head is downgraded", async () => {
    const invented = { ...base, severity: "FAIL" as const, quote: "eval(req.body)" };
    const real = { ...base, severity: "FAIL" as const, quote: "const users = await db.users.findMany();", rule: "unbounded-query" };
    const [a, b] = await postprocess([invented, real], options);
    expect(a.severity).toBe("FAIL");
    expect(a.quote).toBe(real.quote);
    expect(b.severity).toBe("WARNING");
    expect(b.summary).toContain("not in the head");
  });

  test("duplicates merge by fingerprint, keeping the strongest; threshold drops minor findings", async () => {
    const findings = await postprocess([base, { ...base, confidence: 0.95 }, { ...base, severity: "INFO", rule: "style", title: "Nit" }], { ...options, severityThreshold: "WARNING" });
    expect(findings).toHaveLength(1);
    expect(findings[0].confidence).toBe(0.95);
    expect(findings[0].fingerprint).toBe(fingerprintOf("PERFORMANCE", "n-plus-one", route.path, route.lines.filter((l) => l.newLine! >= 14 && l.newLine! <= 16).map((l) => l.text).join("\n")));
  });
});

describe("verdict", () => {
  const coverage = { filesReviewed: 3, filesSkipped: [], filesNotReviewed: [], specialists: [{ name: "SECURITY", status: "complete" as const }] };
  const finding = { specialist: "SECURITY" as const, severity: "FAIL" as const, confidence: 0.9, title: "t", summary: "s", filePath: null, startLine: null, endLine: null, fingerprint: "sec:1", rule: "r" };

  test("FAIL at or above the floor, WARN below it, PASS when clean", () => {
    expect(decideVerdict([finding], 0.5, coverage)).toBe("FAIL");
    expect(decideVerdict([{ ...finding, confidence: 0.3 }], 0.5, coverage)).toBe("WARN");
    expect(decideVerdict([{ ...finding, severity: "INFO" }], 0.5, coverage)).toBe("PASS");
  });

  test("fails closed: never PASS when something was not reviewed", () => {
    expect(decideVerdict([], 0.5, { ...coverage, filesNotReviewed: ["big.ts"] })).toBe("WARN");
    expect(decideVerdict([], 0.5, { ...coverage, specialists: [{ name: "TESTS", status: "incomplete" }] })).toBe("WARN");
  });
});
