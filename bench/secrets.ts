/**
 * Secret scan figures: the corpus of bench/secrets-corpus.ts (credentials in the shapes providers issue, and
 * look-alikes) as one synthetic pull request, one added file per case, run through the review pipeline
 * (`analyzeChange`: selection, deterministic analyzers, post-processing, verdict) with no model configured. Prints
 * recall, false alarms and the ids missed, then the time per 1,000 changed lines: for the corpus itself, and for a
 * large ordinary change (20,000 lines of code and configuration that talk about tokens and passwords without
 * holding any) with the corpus inside it.
 *   bun bench/secrets.ts [seed]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChangedFile, fromGitHubEntry } from "../plugins/merge-gate/analysis/diff.ts";
import { RULES, scanAddedLinesForSecrets } from "../plugins/merge-gate/analysis/secrets.ts";
import { analyzeChange } from "../plugins/merge-gate/pipeline/analyze.ts";
import type { FetchedChange } from "../plugins/merge-gate/pipeline/fetch-change.ts";
import { loadConfig } from "../src/config/index.ts";
import { createLogger } from "../src/log.ts";
import { closeContext, createContext } from "../src/runtime.ts";
import { type CorpusCase, secretCorpus } from "./secrets-corpus.ts";

const TARGETS = { recall: 1, falseAlarms: 0, msPer1000: 20 };
const seed = Number(process.argv[2] ?? 20_240_601);
const cases = secretCorpus(seed);
const credentials = cases.filter((c) => c.kind === "credential");
const lookalikes = cases.filter((c) => c.kind === "lookalike");

const fileOf = (path: string, lines: string[]): ChangedFile =>
  fromGitHubEntry({ filename: path, status: "added", additions: lines.length, deletions: 0, patch: `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join("\n")}` });
const change = (files: ChangedFile[]): FetchedChange => ({ title: "Secret corpus", author: null, draft: false, baseRef: "main", baseSha: "0".repeat(40), files, repoConfigText: undefined });
const corpusFiles = cases.map((c: CorpusCase) => fileOf(c.path, c.lines));

/** Ordinary code and configuration: names that mention tokens, keys and passwords, values that are not secrets. */
function ordinaryFiles(total: number, perFile: number): ChangedFile[] {
  const templates = [
    (i: number) => `  const token${i} = await auth.getToken({ scope: "repo", retries: ${i % 3} });`,
    (i: number) => `  if (!user.passwordHash || user.passwordUpdatedAt < cutoff${i}) return res.status(401).json({ error: "password expired" });`,
    (i: number) => `  headers["Authorization"] = \`Bearer \${session${i}.accessToken}\`;`,
    (i: number) => `  const cacheKey = \`user:\${id}:${i}\`; const apiKeyId = row${i}.api_key_id;`,
    (i: number) => `  logger.info({ requestId, keyId: key${i}.id }, "rotated signing key");`,
    (i: number) => `  secretName: "app-secrets-${i}", secretKeyRef: { name: "db", key: "password" },`,
    (i: number) => `  for (const item of items${i}) total += item.price * (1 - discount);`,
    (i: number) => `  "dependencies": { "jsonwebtoken": "9.0.${i % 10}", "bcrypt": "5.1.${i % 7}" },`,
    (i: number) => `  url: "https://api.acme.io/v1/items/${i}?page_token=" + encodeURIComponent(next),`,
    (i: number) => `  password: process.env.DB_PASSWORD_${i}, // never hard-code`,
  ];
  const files: ChangedFile[] = [];
  for (let f = 0; f * perFile < total; f++) {
    const lines = Array.from({ length: perFile }, (_, i) => templates[(f + i) % templates.length](f * perFile + i));
    files.push(fileOf(`src/feature${f % 25}/module${f}.ts`, lines));
  }
  return files;
}

const dataDir = mkdtempSync(join(tmpdir(), "critique-bench-secrets-"));
const ctx = await createContext(loadConfig({ CRITIQUE_DATA_DIR: dataDir }), createLogger("silent"));
const analyze = (files: ChangedFile[]) => analyzeChange(ctx, { change: change(files), previous: [], readHead: async () => undefined, signal: new AbortController().signal });

// — Recall and false alarms, through the pipeline —
const { outcome } = await analyze(corpusFiles);
const names = new Map(RULES.map((r) => [r.id, r.name]));
const byPath = new Map<string, typeof outcome.findings>();
for (const f of outcome.findings) byPath.set(f.filePath ?? "", [...(byPath.get(f.filePath ?? "") ?? []), f]);
const missed: string[] = [];
const wrong: string[] = [];
for (const c of credentials) {
  const mine = byPath.get(c.path) ?? [];
  const right = mine.filter((f) => f.title === `Hard-coded secret (${names.get(c.rule!)})` && f.startLine === c.line && f.endLine === c.endLine);
  if (right.length === 0) missed.push(c.id);
  if (mine.length !== right.length || right.length > 1) wrong.push(c.id);
}
const falseAlarms = lookalikes.filter((c) => (byPath.get(c.path) ?? []).length > 0).map((c) => c.id);
const leaked = credentials.filter((c) => JSON.stringify(byPath.get(c.path) ?? []).includes(c.secret!)).map((c) => c.id);

// — Speed —
async function msPer1000(files: ChangedFile[], runs = 7): Promise<{ lines: number; pipeline: number; scan: number }> {
  const lines = files.reduce((n, f) => n + f.additions + f.deletions, 0);
  await analyze(files); // warm up
  const time = async (fn: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await fn();
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
  };
  const pipeline = await time(() => analyze(files));
  const scan = await time(() => scanAddedLinesForSecrets(files));
  return { lines, pipeline: (pipeline / lines) * 1000, scan: (scan / lines) * 1000 };
}
const corpusSpeed = await msPer1000(corpusFiles);
const bigSpeed = await msPer1000([...ordinaryFiles(20_000, 100), ...corpusFiles]);

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const recall = (credentials.length - missed.length) / credentials.length;
console.log(`\nSecret scan over ${cases.length} files (seed ${seed}): ${new Set(credentials.map((c) => c.rule)).size} credential formats in ${credentials.length} cases, ${lookalikes.length} look-alikes; ${RULES.length} rules, no model`);
console.table([
  { measure: "recall (right rule, right line)", value: `${pct(recall)} (${credentials.length - missed.length}/${credentials.length})`, target: pct(TARGETS.recall), ok: recall >= TARGETS.recall },
  { measure: "false alarms (look-alikes reported)", value: `${falseAlarms.length}/${lookalikes.length}`, target: String(TARGETS.falseAlarms), ok: falseAlarms.length <= TARGETS.falseAlarms },
  { measure: "extra or misplaced findings", value: String(wrong.length), target: "0", ok: wrong.length === 0 },
  { measure: "findings that echo their secret", value: String(leaked.length), target: "0", ok: leaked.length === 0 },
  { measure: `pipeline, ms / 1,000 lines (corpus, ${corpusSpeed.lines} lines)`, value: corpusSpeed.pipeline.toFixed(2), target: `≤ ${TARGETS.msPer1000}`, ok: corpusSpeed.pipeline <= TARGETS.msPer1000 },
  { measure: `pipeline, ms / 1,000 lines (ordinary change + corpus, ${bigSpeed.lines} lines)`, value: bigSpeed.pipeline.toFixed(2), target: `≤ ${TARGETS.msPer1000}`, ok: bigSpeed.pipeline <= TARGETS.msPer1000 },
  { measure: "secret scan alone, ms / 1,000 lines (ordinary change + corpus)", value: bigSpeed.scan.toFixed(2), target: "—", ok: true },
]);
console.log(`missed: ${missed.length ? missed.join(", ") : "none"}`);
console.log(`false alarms: ${falseAlarms.length ? falseAlarms.join(", ") : "none"}`);
if (wrong.length) console.log(`extra or misplaced: ${wrong.join(", ")}`);
console.log(`verdict of the corpus pull request: ${outcome.verdict}; ${outcome.findings.length} findings`);

await closeContext(ctx);
rmSync(dataDir, { recursive: true, force: true });
