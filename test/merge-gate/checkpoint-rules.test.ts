import { describe, expect, test } from "bun:test";
import { fromGitHubEntry } from "../../plugins/merge-gate/analysis/diff.ts";
import { scanAddedLinesForSecrets } from "../../plugins/merge-gate/analysis/secrets.ts";
import { parseCheckpointSettings, resolveCheckpointSettings } from "../../plugins/merge-gate/checkpoints/config.ts";
import { evaluateCheckpoint } from "../../plugins/merge-gate/checkpoints/rules.ts";
import { GITHUB_TOKEN } from "./harness.ts";

const file = (filename: string, patch?: string, status = "modified") => fromGitHubEntry({ filename, status, additions: (patch?.match(/^\+/gm) ?? []).length, deletions: (patch?.match(/^-/gm) ?? []).length, patch });
const srcChange = file("src/billing/invoice.ts", "@@ -1,2 +1,3 @@\n export function total(items) {\n+  return items.reduce((a, b) => a + b.price, 0);\n }");
const testChange = file("src/billing/invoice.test.ts", "@@ -1,1 +1,2 @@\n import { total } from './invoice';\n+test('total', () => expect(total([])).toBe(0));");
const human = { login: "alice", type: "User" };
const defaults = resolveCheckpointSettings();

async function check(files: ReturnType<typeof file>[], author = human, settings = defaults) {
  const secrets = await scanAddedLinesForSecrets(files);
  return evaluateCheckpoint({ files, author, secrets }, settings);
}
const rules = (r: Awaited<ReturnType<typeof check>>) => r.fired.map((f) => `${f.level}:${f.rule}`);

describe("checkpoint rules (each fired and not fired)", () => {
  test("a tested source change by a human passes", async () => {
    const result = await check([srcChange, testChange]);
    expect(result).toEqual({ outcome: "pass", fired: [] });
  });

  test("secrets in added lines block, with file and line as evidence", async () => {
    const leaked = file("src/client.ts", `@@ -1,1 +1,2 @@\n import x from 'y';\n+const token = "${GITHUB_TOKEN}";`);
    const result = await check([leaked, testChange]);
    expect(result.outcome).toBe("block");
    expect(result.fired[0]).toMatchObject({ rule: "secrets", level: "block", evidence: [{ file: "src/client.ts", line: 2 }] });
    expect(JSON.stringify(result)).not.toContain(GITHUB_TOKEN);
  });

  test("protected paths (CI, auth, migrations) warn, and can be configured to block", async () => {
    const ci = file(".github/workflows/deploy.yml", "@@ -3,2 +3,3 @@\n jobs:\n+  permissions: write-all\n   deploy:");
    const migration = file("db/migrations/0042_drop_users.sql", "@@ -0,0 +1 @@\n+DROP TABLE users;", "added");
    expect(rules(await check([ci, migration, testChange]))).toContain("warn:protectedPaths");
    const strict = resolveCheckpointSettings(parseCheckpointSettings({ rules: { protectedPaths: "block" } }).settings);
    const result = await check([ci, testChange], human, strict);
    expect(result.outcome).toBe("block");
    expect(result.fired[0].evidence).toEqual([{ file: ".github/workflows/deploy.yml", line: 4 }]);
    expect(rules(await check([srcChange, testChange]))).not.toContain("warn:protectedPaths");
  });

  test("very large diffs warn above the configured size", async () => {
    const big = file("src/big.ts", `@@ -0,0 +1,1200 @@\n${Array.from({ length: 1200 }, (_, i) => `+const v${i} = ${i};`).join("\n")}`, "added");
    expect(rules(await check([big, testChange]))).toContain("warn:largeDiff");
    const roomy = resolveCheckpointSettings({ maxChangedLines: 5_000 });
    expect(rules(await check([big, testChange], human, roomy))).not.toContain("warn:largeDiff");
  });

  test("binary files added warn", async () => {
    expect(rules(await check([file("assets/installer.exe", undefined, "added"), testChange]))).toContain("warn:binaryAdded");
    expect(rules(await check([file("assets/logo.png", undefined, "removed"), testChange]))).not.toContain("warn:binaryAdded");
  });

  test("a manifest without its lock file, or the reverse, warns; both together do not", async () => {
    const manifest = file("package.json", '@@ -5,1 +5,2 @@\n   "dependencies": {\n+    "left-pad": "^1.3.0",');
    const lock = file("bun.lock", '@@ -1,1 +1,2 @@\n {\n+  "left-pad": "1.3.0",');
    expect(rules(await check([manifest]))).toContain("warn:manifestLockMismatch");
    expect(rules(await check([lock]))).toContain("warn:manifestLockMismatch");
    expect(rules(await check([manifest, lock]))).not.toContain("warn:manifestLockMismatch");
  });

  test("source changed without tests warns", async () => {
    expect(rules(await check([srcChange]))).toContain("warn:sourceWithoutTests");
    expect(rules(await check([file("README.md", "@@ -1 +1,2 @@\n # App\n+Docs.")]))).not.toContain("warn:sourceWithoutTests");
  });

  test("a pull request from a bot or a coding agent identity warns", async () => {
    expect(rules(await check([srcChange, testChange], { login: "dependabot[bot]", type: "Bot" }))).toContain("warn:agentAuthor");
    expect(rules(await check([srcChange, testChange], { login: "devin-ai-integration", type: "User" }))).toContain("warn:agentAuthor");
    expect(rules(await check([srcChange, testChange], { login: "octocat", type: "User" }))).not.toContain("warn:agentAuthor");
  });

  test("a rule turned off never fires; repository settings override the server's field by field", async () => {
    const server = parseCheckpointSettings({ rules: { sourceWithoutTests: "off" }, maxChangedLines: 10 }).settings;
    const repo = parseCheckpointSettings({ rules: { agentAuthor: "block" } }).settings;
    const merged = resolveCheckpointSettings(server, repo);
    expect(merged.rules).toMatchObject({ sourceWithoutTests: "off", agentAuthor: "block", secrets: "block" });
    expect(merged.maxChangedLines).toBe(10);
    expect(rules(await check([srcChange], human, merged))).not.toContain("warn:sourceWithoutTests");
    expect(parseCheckpointSettings({ rules: { secrets: "maybe" } }).problem).toContain("checkpoint.rules.secrets");
  });
});
