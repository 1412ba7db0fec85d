import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { type CorpusCase, secretCorpus } from "../../bench/secrets-corpus.ts";
import { type ChangedFile, fromGitHubEntry } from "../../plugins/merge-gate/analysis/diff.ts";
import type { Finding } from "../../plugins/merge-gate/analysis/finding.ts";
import { findSecrets, RULES, scanAddedLinesForSecrets } from "../../plugins/merge-gate/analysis/secrets.ts";
import { resolveCheckpointSettings } from "../../plugins/merge-gate/checkpoints/config.ts";
import { evaluateCheckpoint } from "../../plugins/merge-gate/checkpoints/rules.ts";
import { findingSnippets } from "../../plugins/merge-gate/pipeline/snippets.ts";
import { type MergeGateWorld, pollRun, queue, REPO, seedPull, startWorld } from "./harness.ts";

// The bench's corpus as a regression test: every case asserted on its own (found by the right rule at the right
// line, once, never echoed, with a fingerprint that survives moved lines; or, for a look-alike, silent).
const cases = secretCorpus();
const credentials = cases.filter((c) => c.kind === "credential");
const lookalikes = cases.filter((c) => c.kind === "lookalike");
const ruleOf = (id: string) => RULES.find((r) => r.id === id)!;

/** GitHub's per-file entry for a case, its lines pushed down by `shift` blank lines. */
const entry = (c: CorpusCase, shift = 0) => {
  const lines = [...Array.from({ length: shift }, () => ""), ...c.lines];
  return { filename: c.path, status: "added" as const, additions: lines.length, deletions: 0, patch: `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join("\n")}` };
};
const files: ChangedFile[] = cases.map((c) => fromGitHubEntry(entry(c)));
const moved: ChangedFile[] = cases.map((c) => fromGitHubEntry(entry(c, 3)));

/** The parts of a secret a finding must never show: the whole, and (for long ones) a stretch from its middle. */
const fragments = (secret: string) => [secret, ...(secret.length >= 24 ? [secret.slice(Math.floor(secret.length / 2) - 6, Math.floor(secret.length / 2) + 6)] : [])];

let findings: Finding[];
let movedFindings: Finding[];
beforeAll(async () => {
  findings = await scanAddedLinesForSecrets(files);
  movedFindings = await scanAddedLinesForSecrets(moved);
});

describe("the corpus", () => {
  test("has at least 100 credential formats and 40 look-alikes, one file each, and a case for every rule", () => {
    expect(new Set(credentials.map((c) => c.rule)).size).toBeGreaterThanOrEqual(100);
    expect(lookalikes.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.path)).size).toBe(cases.length);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    const untested = RULES.filter((r) => !credentials.some((c) => c.rule === r.id)).map((r) => r.id);
    expect(untested).toEqual([]);
    expect(new Set(RULES.map((r) => r.name)).size).toBe(RULES.length); // titles name the rule unambiguously
  });

  test("its values are generated, not stored: two seeds give different secrets in the same shapes", () => {
    const other = secretCorpus(7);
    const a = credentials.find((c) => c.id === "github-pat")!;
    const b = other.find((c) => c.id === "github-pat")!;
    expect(a.secret).not.toBe(b.secret);
    expect(a.secret).toMatch(/^ghp_[A-Za-z0-9]{36}$/);
  });
});

describe("credentials: found by the right rule at the right line, once, masked, with a stable fingerprint", () => {
  for (const c of credentials) {
    test(`${c.id} (${c.rule})`, () => {
      const rule = ruleOf(c.rule!);
      const mine = findings.filter((f) => f.filePath === c.path);
      expect(mine.map((f) => f.title)).toEqual([`Hard-coded secret (${rule.name})`]);
      const [f] = mine;
      expect(f).toMatchObject({ specialist: "SECURITY", severity: "FAIL", rule: `secret:${rule.family}`, startLine: c.line, endLine: c.endLine });
      expect(f.confidence).toBeGreaterThanOrEqual(0.8);
      for (const part of fragments(c.secret!)) expect(JSON.stringify(f)).not.toContain(part);
      expect(f.summary).toContain("*".repeat(Math.min(c.secret!.length, 12)));
      const again = movedFindings.filter((m) => m.filePath === c.path);
      expect(again.map((m) => [m.startLine, m.endLine])).toEqual([[c.line! + 3, c.endLine! + 3]]);
      expect(again[0].fingerprint).toBe(f.fingerprint);
    });
  }
});

describe("look-alikes: silent", () => {
  for (const c of lookalikes) {
    test(c.id, () => {
      expect(findings.filter((f) => f.filePath === c.path).map((f) => `${f.title} @${f.startLine}`)).toEqual([]);
    });
  }
});

describe("the engine, rule by rule", () => {
  test("findSecrets names each credential's rule and range, and nothing in a look-alike", () => {
    const wrong: string[] = [];
    for (const c of cases) {
      const found = findSecrets(c.lines.join("\n"), c.path);
      const got = found.map((m) => `${m.rule.id}@${m.startLine}-${m.lastLine}`);
      const want = c.kind === "credential" ? [`${c.rule}@${c.line}-${c.endLine}`] : [];
      if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${c.id}: ${got.join(", ") || "nothing"}`);
      else if (c.kind === "credential" && !found[0].secret.includes(c.secret!)) wrong.push(`${c.id}: secret ${found[0].secret.slice(0, 8)}…`);
    }
    expect(wrong).toEqual([]);
  });

  test("other seeds: the same shapes with other values are found the same way", () => {
    const wrong: string[] = [];
    for (const seed of [1, 2, 3, 42, 1234]) {
      for (const c of secretCorpus(seed)) {
        const got = findSecrets(c.lines.join("\n"), c.path).map((m) => `${m.rule.id}@${m.startLine}`);
        const want = c.kind === "credential" ? [`${c.rule}@${c.line}`] : [];
        if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`seed ${seed} ${c.id}: ${got.join(", ") || "nothing"}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe("the same engine everywhere", () => {
  test("the checkpoint's secret rule blocks on the corpus, one credential per case", () => {
    const result = evaluateCheckpoint({ files, author: { login: "alice", type: "User" }, secrets: findings }, resolveCheckpointSettings());
    expect(result.outcome).toBe("block");
    const fired = result.fired.find((r) => r.rule === "secrets")!;
    expect(fired.message).toStartWith(`${credentials.length} credentials in added lines`);
    expect(JSON.stringify(result)).not.toContain(credentials[0].secret!);
  });

  test("stored snippets mask every secret (asterisks) or are withheld", async () => {
    const snippets = await findingSnippets(findings, files);
    const leaks: string[] = [];
    findings.forEach((f, i) => {
      const c = credentials.find((x) => x.path === f.filePath)!;
      if (snippets[i] && fragments(c.secret!).some((p) => snippets[i]!.includes(p))) leaks.push(c.id);
    });
    expect(leaks).toEqual([]);
    // One-line secrets keep a (masked) snippet; keys over several lines have none.
    const single = findings.filter((f) => f.startLine === f.endLine).length;
    expect(snippets.filter(Boolean).length).toBeGreaterThan(single * 0.9);
  });
});

describe("through the review pipeline, no model configured", () => {
  let w: MergeGateWorld;
  beforeAll(async () => {
    w = await startWorld({ model: false });
  });
  afterAll(() => w.stop());

  test("one pull request holding the whole corpus: every credential found where it is, no look-alike, nothing echoed", async () => {
    const sha = "5ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2";
    seedPull(w, 90, sha, cases.map((c) => entry(c)), "Corpus of credentials and look-alikes");
    const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: 90, headSha: sha });
    expect(res.status).toBe(202);
    const run = await pollRun(w, ((await res.json()) as any).review.reviewRunId, w.alice, 60_000);
    expect(run.verdict).toBe("FAIL");
    const byPath = new Map<string, any[]>();
    for (const f of run.findings) byPath.set(f.filePath, [...(byPath.get(f.filePath) ?? []), f]);
    const wrong: string[] = [];
    for (const c of cases) {
      const got = (byPath.get(c.path) ?? []).map((f) => `${f.title}@${f.startLine}-${f.endLine}`);
      const want = c.kind === "credential" ? [`Hard-coded secret (${ruleOf(c.rule!).name})@${c.line}-${c.endLine}`] : [];
      if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${c.id}: ${got.join(", ") || "nothing"}`);
    }
    expect(wrong).toEqual([]);
    expect(run.findingsTotal).toBe(credentials.length);
    // Nothing the server stored or sent to GitHub holds a secret: the run, its findings' snippets, every request body.
    const t = w.s.server.ctx.tables.reviewFindings;
    const stored = await w.s.server.ctx.db.select().from(t).where(eq(t.runId, run.reviewRunId));
    const outbound = JSON.stringify(w.gh.requests.map((r) => r.rawBody));
    const everything = `${JSON.stringify(run)}\n${JSON.stringify(stored)}\n${outbound}`;
    expect(credentials.filter((c) => fragments(c.secret!).some((p) => everything.includes(p))).map((c) => c.id)).toEqual([]);
  }, 90_000);
});
