/**
 * Merge gate pipeline figures (issue 3): time from "change fetched" to "verdict" excluding model latency, and peak
 * RSS, for a 1,000-line/20-file and a 50,000-line/1,000-file pull request; then wall time with one specialist vs
 * five against a model upstream with a fixed latency (they run in parallel, so both should be close to it).
 *   bun bench/review-pipeline.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromGitHubEntry } from "../plugins/merge-gate/analysis/diff.ts";
import { analyzeChange } from "../plugins/merge-gate/pipeline/analyze.ts";
import type { FetchedChange } from "../plugins/merge-gate/pipeline/fetch-change.ts";
import { loadConfig } from "../src/config/index.ts";
import { createLogger } from "../src/log.ts";
import { closeContext, createContext } from "../src/runtime.ts";
import { FakeOpenAI } from "../test/fakes/openai.ts";

const SECRET = ["ghp_", "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"].join("");

function syntheticChange(files: number, linesPerFile: number, repoConfigText?: string): FetchedChange {
  const entries = Array.from({ length: files }, (_, f) => {
    const body = Array.from({ length: linesPerFile }, (_, i) => `+  const value${i} = await service${f}.compute(input.items[${i}], { retries: ${i % 5} });`);
    if (f === 3) body[10] = `+  const token = "${SECRET}";`;
    return { filename: `src/module${f % 40}/file${f}.ts`, status: "modified", additions: linesPerFile, deletions: 0, patch: `@@ -1,1 +1,${linesPerFile + 1} @@\n import { x } from "y";\n${body.join("\n")}` };
  });
  return { title: "Synthetic change", author: null, draft: false, baseRef: "main", baseSha: "0".repeat(40), files: entries.map(fromGitHubEntry), repoConfigText };
}

async function measure<T>(fn: () => Promise<T>): Promise<{ ms: number; peakRssMb: number; result: T }> {
  Bun.gc(true);
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  const started = performance.now();
  const result = await fn();
  const ms = performance.now() - started;
  upstream.requests.length = 0; // the in-process fake records bodies: do not let it grow across runs
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { ms, peakRssMb: peak / 1024 / 1024, result };
}

async function median<T extends { ms: number }>(run: () => Promise<T>, times = 5): Promise<T> {
  const results: T[] = [];
  for (let i = 0; i < times; i++) results.push(await run());
  return results.sort((a, b) => a.ms - b.ms)[Math.floor(times / 2)];
}

const upstream = FakeOpenAI.start();
const dataDir = mkdtempSync(join(tmpdir(), "critique-bench-"));
async function contextWith(env: Record<string, string>) {
  return createContext(loadConfig({ CRITIQUE_DATA_DIR: dataDir, ...env }), createLogger("silent"));
}
const withModel = { CRITIQUE_LLM_BASE_URL: upstream.baseURL, CRITIQUE_LLM_MODEL: "fake-model" };
const analyze = (ctx: Awaited<ReturnType<typeof contextWith>>, change: FetchedChange) =>
  analyzeChange(ctx, { change, previous: [], readHead: async () => undefined, signal: new AbortController().signal });

const rows: string[][] = [];
Bun.gc(true);
const baselineRssMb = process.memoryUsage.rss() / 1024 / 1024;
const noModel = await contextWith({});
const instant = await contextWith(withModel);
upstream.responder = () => ({ json: { findings: [] } });
for (const [label, files, lines] of [["1,000 lines / 20 files", 20, 50], ["50,000 lines / 1,000 files", 1_000, 50]] as const) {
  const change = syntheticChange(files, lines);
  // Warm up both paths (JIT, tokenizer tables, HTTP keep-alive), then take the median of five runs.
  await analyze(noModel, syntheticChange(5, 10));
  await analyze(instant, syntheticChange(5, 10));
  const det = await median(() => measure(() => analyze(noModel, change)));
  const all = await median(() => measure(() => analyze(instant, change)));
  rows.push([label, `${det.ms.toFixed(0)} ms`, `${all.ms.toFixed(0)} ms`, `${Math.max(det.peakRssMb, all.peakRssMb).toFixed(0)} MB`, `${all.result.outcome.verdict}, ${all.result.outcome.coverage.filesNotReviewed.length} files over budget`]);
}
console.log("\nPipeline time excluding model latency (model upstream answers instantly)");
console.table(rows.map(([size, det, all, rss, note]) => ({ size, "deterministic only": det, "with 5 specialists": all, "peak RSS": rss, outcome: note })));
console.log("targets: ≤ 150 ms (1,000 lines), ≤ 3 s (50,000 lines), RSS ≤ 300 MB");
console.log(`process RSS before the runs (runtime, modules, two contexts, the fake upstream): ${baselineRssMb.toFixed(0)} MB`);

const LATENCY = 300;
upstream.responder = () => ({ delayMs: LATENCY, json: { findings: [] } });
const change = syntheticChange(20, 50);
const oneOnly = "specialists:\n  TESTS: false\n  ARCHITECTURE: false\n  PERFORMANCE: false\n  CODE_QUALITY: false\n";
const one = await measure(() => analyze(instant, { ...change, repoConfigText: oneOnly }));
const five = await measure(() => analyze(instant, change));
console.log(`\nWall time against a model with ${LATENCY} ms latency (1,000-line PR, one chunk)`);
console.table([
  { specialists: 1, "wall time": `${one.ms.toFixed(0)} ms` },
  { specialists: 5, "wall time": `${five.ms.toFixed(0)} ms` },
]);

await closeContext(noModel);
await closeContext(instant);
upstream.stop();
rmSync(dataDir, { recursive: true, force: true });
