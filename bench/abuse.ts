#!/usr/bin/env bun
/**
 * Abuse figures (issue 19): each attack against the compiled binary while a second client (its own process,
 * test/helpers/healthz-probe.ts) asks `/healthz` every ~10 ms; per attack the worst and median probe latency and
 * the server's peak RSS (VmHWM of a fresh server), against the targets (≤ 100 ms, ≤ 300 MB), and whether the
 * attack got the answer it should (200 / 202 / 400 / 413, failures in the `{ "error": … }` envelope, never 500).
 *
 *   bun bench/abuse.ts [--no-build] [--only a1,c2,…]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type Answer, base64Prompt, floodPrompt, inSequence, longLineFile, nestedJson, postJson, postStream, reviewToEnd, webhookFlood } from "../test/helpers/abuse.ts";
import { startProbe } from "../test/helpers/healthz-probe.ts";
import { memoryMb, REPO, startTarget, startWorld, type Target } from "./abuse-world.ts";

const { values: options } = parseArgs({ options: { "no-build": { type: "boolean", default: false }, only: { type: "string" } } });
const ROOT = resolve(import.meta.dir, "..");
const BINARY = join(ROOT, "dist", "critique");
const LATENCY_TARGET_MS = 100;
const RSS_TARGET_MB = 300;
const MiB = 1024 * 1024;

if (!options["no-build"]) {
  console.log("building dist/critique …");
  if ((await Bun.spawn(["bun", "run", "build"], { cwd: ROOT, stdout: "ignore", stderr: "inherit" }).exited) !== 0) throw new Error("bun run build failed");
}

/** An attack: what it sends, and whether each answer is the one it should get (else: what was wrong). */
interface Attack {
  id: string;
  name: string;
  run(target: Target): Promise<Answer[]>;
  expect(answer: Answer): string | undefined;
  /** Done before the probe starts: loads the tokenizer (in its worker: no stall since issue 19; row a0 checks). */
  warm?: boolean;
}

const envelope = (status: number, pattern: RegExp) => (a: Answer) =>
  a.status !== status ? `answered ${a.status} ${JSON.stringify(a.body)?.slice(0, 120)}` : typeof a.body?.error === "string" && pattern.test(a.body.error) ? undefined : `body ${JSON.stringify(a.body)?.slice(0, 120)}`;
let pullNumber = 0;
const reviewOf = (bytes: number) => async (t: Target) => {
  const number = ++pullNumber;
  const sha = `abcde${String(number).padStart(35, "0")}`;
  world.github.addPull(REPO, { number, title: "One long line", base: { ref: "main", sha: "1".repeat(40) }, head: { ref: `long-${number}`, sha }, files: [longLineFile(bytes)] });
  const { queued, run } = await reviewToEnd(t.url, t.key, { repositoryFullName: REPO, pullRequestNumber: number, headSha: sha });
  return [queued, { status: run?.status === "COMPLETED" ? 200 : 500, body: { run: run?.status, verdict: run?.verdict, failureReason: run?.failureReason } }];
};

const ok200 = (a: Answer) => (a.status === 200 ? undefined : `answered ${a.status}`);
const attacks: Attack[] = [
  { id: "a0", name: "first prompt on a fresh server (loads the tokenizer)", run: (t) => inSequence(1, () => floodPrompt(t.url, t.key, "bench", 2)), expect: ok200 },
  { id: "a1", name: "100 KB one-letter prompt ×20 (inference)", run: (t) => inSequence(20, () => floodPrompt(t.url, t.key, "bench", 100_000)), expect: ok200, warm: true },
  { id: "a2", name: "10 MB one-letter prompt ×3 (inference)", run: (t) => inSequence(3, () => floodPrompt(t.url, t.key, "bench", 10_000_000)), expect: ok200, warm: true },
  { id: "a3", name: "1 MB of random base64 in a prompt ×3 (inference)", run: (t) => inSequence(3, () => base64Prompt(t.url, t.key, "bench", 1_000_000)), expect: ok200, warm: true },
  { id: "b", name: "PR with one 100 KB line, reviewed (POST /api/v1/reviews)", run: reviewOf(100_000), expect: (a) => (a.status === 202 || a.status === 200 ? undefined : `answered ${a.status} ${JSON.stringify(a.body)}`), warm: true },
  { id: "c1", name: "40 KB [[[…]]] to POST /api/v1/reviews ×50", run: (t) => inSequence(50, () => postJson(t.url, "/api/v1/reviews", t.key, nestedJson(40_000))), expect: envelope(400, /nests deeper/) },
  { id: "c2", name: "100 KB [[[…]]] to POST /api/v1/reviews ×50", run: (t) => inSequence(50, () => postJson(t.url, "/api/v1/reviews", t.key, nestedJson(100_000))), expect: envelope(400, /nests deeper/) },
  { id: "d1", name: "10 × unsigned 100 MB streamed to /api/github/webhooks at once", run: (t) => webhookFlood(t.url), expect: envelope(401, /missing X-Hub-Signature-256/) },
  { id: "d2", name: "10 × 100 MB with a forged signature to /api/github/webhooks", run: (t) => webhookFlood(t.url, undefined, undefined, { forged: true }), expect: envelope(413, /larger than|too much request data/) },
  {
    id: "e",
    name: "20 MiB body to POST /api/v1/reviews, declared ×5 + streamed ×5",
    run: async (t) => [
      ...(await inSequence(5, () => postJson(t.url, "/api/v1/reviews", t.key, JSON.stringify({ pullRequestTitle: "x".repeat(20 * MiB) })))),
      ...(await inSequence(5, () => postStream(t.url, "/api/v1/reviews", 20 * MiB, { authorization: `Bearer ${t.key}` }))),
    ],
    expect: envelope(413, /larger than 16 MiB/),
  },
];

const scratch = mkdtempSync(join(tmpdir(), "critique-bench-abuse-"));
const world = await startWorld(scratch);
const rows: string[][] = [];
try {
  for (const attack of attacks.filter((a) => !options.only || options.only.split(",").includes(a.id))) {
    const target = await startTarget(BINARY, world, scratch);
    try {
      if (attack.warm && (await floodPrompt(target.url, target.key, "bench", 2)).status !== 200) throw new Error("warm-up prompt failed");
      const idle = await memoryMb(target.pid);
      const probe = startProbe(target.url);
      await probe.ready;
      const started = performance.now();
      const answers = await attack.run(target);
      const seconds = (performance.now() - started) / 1000;
      await Bun.sleep(100); // a few probes after the last answer, while the server finishes its side
      const report = await probe.stop();
      const { peak } = await memoryMb(target.pid);
      const wrong = answers.map(attack.expect).filter(Boolean);
      const ok = report.worst <= LATENCY_TARGET_MS && peak <= RSS_TARGET_MB && wrong.length === 0 && report.failures === 0;
      rows.push([attack.id, attack.name, `${seconds.toFixed(1)} s`, `${report.worst.toFixed(1)} ms`, `${report.median.toFixed(1)} ms`, String(report.latencies.length), `${idle.rss.toFixed(0)} → ${peak.toFixed(0)} MB`, wrong.length ? `${wrong.length}/${answers.length} wrong: ${wrong[0]}` : `${answers.length}/${answers.length} as expected`, ok ? "PASS" : "FAIL"]);
      console.log(rows.at(-1)!.join(" | "));
    } finally {
      await target.stop();
    }
  }
} finally {
  world.stop();
  rmSync(scratch, { recursive: true, force: true });
}

const header = ["", "attack", "took", "worst /healthz", "median /healthz", "probes", "RSS idle → peak", "answers", "ok"];
const targets = ["", "target", "", `≤ ${LATENCY_TARGET_MS} ms`, "", "", `peak ≤ ${RSS_TARGET_MB} MB`, "200/202/400/413 + envelope", ""];
const table = [header, targets, ...rows];
const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
console.log(`\n${table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ")).join("\n")}`);
process.exitCode = rows.every((row) => row.at(-1) === "PASS") ? 0 : 1;
