/**
 * Checkpoint speed (issue 5): evaluating the deterministic rules on a 1,000-line diff once it is fetched.
 * Target: well under 100 ms. Prints median and p95 over 50 runs, and the same for a 10,000-line diff.
 *   bun bench/checkpoint.ts
 */
import { fromGitHubEntry } from "../plugins/merge-gate/analysis/diff.ts";
import { scanAddedLinesForSecrets } from "../plugins/merge-gate/analysis/secrets.ts";
import { resolveCheckpointSettings } from "../plugins/merge-gate/checkpoints/config.ts";
import { evaluateCheckpoint } from "../plugins/merge-gate/checkpoints/rules.ts";

const SECRET = ["ghp_", "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"].join("");

function diff(totalLines: number, files: number) {
  const per = Math.floor(totalLines / files);
  return Array.from({ length: files }, (_, f) => {
    const lines = Array.from({ length: per }, (_, i) => (f === 1 && i === 7 ? `+const token = "${SECRET}";` : `+  const v${i} = await client${f}.fetch("/items/${i}", { retries: ${i % 3} });`));
    const name = f === 0 ? ".github/workflows/ci.yml" : f === 2 ? "package.json" : `src/feature${f}/handler${f}.ts`;
    return fromGitHubEntry({ filename: name, status: "modified", additions: per, deletions: 0, patch: `@@ -1,1 +1,${per + 1} @@\n // header\n${lines.join("\n")}` });
  });
}

const settings = resolveCheckpointSettings();
const author = { login: "devin-ai-integration[bot]", type: "Bot" };

async function run(files: ReturnType<typeof diff>) {
  const started = performance.now();
  const secrets = await scanAddedLinesForSecrets(files);
  const result = evaluateCheckpoint({ files, author, secrets }, settings);
  return { ms: performance.now() - started, result };
}

const rows = [];
for (const [label, lines, fileCount] of [["1,000 lines / 20 files", 1_000, 20], ["10,000 lines / 200 files", 10_000, 200]] as const) {
  const files = diff(lines, fileCount);
  for (let i = 0; i < 5; i++) await run(files); // warm up
  const times: number[] = [];
  let outcome = "";
  for (let i = 0; i < 50; i++) {
    const { ms, result } = await run(files);
    times.push(ms);
    outcome = `${result.outcome} (${result.fired.map((r) => r.rule).join(", ")})`;
  }
  times.sort((a, b) => a - b);
  rows.push({ diff: label, median: `${times[25].toFixed(2)} ms`, p95: `${times[47].toFixed(2)} ms`, outcome });
}
console.table(rows);
console.log("target: well under 100 ms for 1,000 lines (timed: secret scan + rules; the patches are parsed before timing, as after a fetch)");
