#!/usr/bin/env bun
/**
 * Remedy latency (issue: "time from queue_remedy to the fix commit and to the re-review's verdict on a 1,000-line
 * PR; target ≤ 5 s excluding model latency"), against the compiled binary with the instant scripted upstream (the
 * fix agent's model answers at once) and the fake GitHub App. Real bubblewrap, real OpenCode. The reviews run the
 * deterministic checks only (no review model), so no model latency is in either figure.
 *
 * Each run: a fresh pull request adding ~1,000 lines over four files, one of which leaks a token (the deterministic
 * secret scan makes the review FAIL), reviewed to COMPLETED over MCP (queue_review, get_review_run); then MCP
 * queue_remedy, and from just before that call:
 *   (a) the fix commit visible on the head branch in the fake GitHub (polled in process every 2 ms)
 *   (b) get_remedy_status COMPLETED, i.e. the re-review's verdict in (MCP polled every 20 ms)
 * plus the server's own createdAt → completedAt of the remedy, which no polling distorts.
 *
 *   bun bench/remedy.ts [--runs 5] [--lines 1000] [--no-build]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { AgentUpstream } from "../test/fakes/agent-upstream.ts";
import { FakeGitHub } from "../test/fakes/github.ts";
import { callOk, connectMcp } from "../test/helpers/mcp.ts";
import { cli, median, startServer } from "./binary.ts";

const { values: options } = parseArgs({ options: { runs: { type: "string", default: "5" }, lines: { type: "string", default: "1000" }, "no-build": { type: "boolean", default: false } } });
const RUNS = Number(options.runs);
const LINES = Number(options.lines);
const TARGET_MS = 5_000;
const RUN_TIMEOUT_MS = 120_000;
const ROOT = resolve(import.meta.dir, "..");
const BINARY = join(ROOT, "dist", "critique");
const OPENCODE = join(ROOT, "node_modules", `opencode-${process.platform}-${process.arch}`, "bin", "opencode");

const REPO = "bench/remedied";
const INSTALLATION = 701;
const LEAKED_TOKEN = ["ghp_", "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"].join("");

if (!options["no-build"]) {
  console.log("building dist/critique …");
  if ((await Bun.spawn(["bun", "run", "build"], { cwd: ROOT, stdout: "ignore", stderr: "inherit" }).exited) !== 0) throw new Error("bun run build failed");
}

/** A module of `lines` lines; with `leak`, line 3 holds the token (the finding) and `fixed` replaces it. */
function moduleFile(name: string, lines: number, token?: "leak" | "fixed"): string {
  const head = [`// ${name}: generated for the remedy bench`, `export const ${name}Config = {`];
  if (token) head.push(token === "leak" ? `  token: "${LEAKED_TOKEN}",` : "  token: process.env.TOKEN,");
  head.push("};");
  const body = Array.from({ length: lines - head.length }, (_, i) => `export const ${name}Value${i} = (input: number[]) => input.reduce((sum, x) => sum + x * ${i % 7}, ${i});`);
  return `${[...head, ...body].join("\n")}\n`;
}

/** The pull request's files: LINES lines over four new files, the leaking one first. */
function pullFiles(run: number): { files: Record<string, string>; leaky: string; fixed: string } {
  const per = Math.floor(LINES / 4);
  const leaky = `src/run${run}/credentials.ts`;
  const files: Record<string, string> = { [leaky]: moduleFile(`credentials${run}`, LINES - 3 * per, "leak") };
  for (const part of ["orders", "billing", "reports"]) files[`src/run${run}/${part}.ts`] = moduleFile(`${part}${run}`, per);
  return { files, leaky, fixed: moduleFile(`credentials${run}`, LINES - 3 * per, "fixed") };
}

/** Polls `probe` every `everyMs` until it gives a value; throws after the timeout, or once `stop.stopped` is set. */
async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, everyMs: number, stop = { stopped: false }, timeoutMs = RUN_TIMEOUT_MS): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (stop.stopped) throw new Error(`stopped waiting for ${what}`);
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(everyMs);
  }
}

const dir = mkdtempSync(join(tmpdir(), "critique-bench-remedy-"));
const github = FakeGitHub.start();
const upstream = AgentUpstream.start();
github.addRepo(REPO, { installationId: INSTALLATION });
github.setBranch(REPO, "main", { "README.md": "# Remedied\n", "src/app.ts": "export const app = 1;\n" });
const config = join(dir, "critique.yaml");
writeFileSync(
  config,
  Bun.YAML.stringify({
    providers: [{ id: "bench", baseUrl: upstream.fake.baseURL }],
    models: [{ id: "coder", targets: [{ provider: "bench", model: "up" }] }],
    codingAgent: { defaultModel: "coder", idleTtlSeconds: 600 },
  }),
);
const env = { CRITIQUE_DATA_DIR: join(dir, "data"), CRITIQUE_CONFIG: config, CRITIQUE_OPENCODE_BIN: OPENCODE, CRITIQUE_LOG_LEVEL: "warn", ...github.env() };
const server = await startServer(BINARY, dir, env);
const clients: Client[] = [];

interface Row {
  run: number;
  queueCallMs: number;
  commitMs?: number;
  completedMs?: number;
  serverMs?: number;
  /** Remedy createdAt → its fix run RUNNING (sandbox up, OpenCode answering), server clock. */
  agentReadyMs?: number;
  outcome: string;
}
const rows: Row[] = [];
try {
  const key = JSON.parse(await cli(BINARY, ["keys", "create", "--name", "bench", "--user", "alice", "--scopes", "read:reviews,write:reviews,read:builder,write:builder", "--json"], dir, env)).key;
  await cli(BINARY, ["installations", "grant", "--installation", String(INSTALLATION), "--user", "alice"], dir, env);
  const mcp = await connectMcp(server.url, key);
  clients.push(mcp);

  for (let run = 0; run < RUNS; run++) {
    // A fresh pull request each run: a remedy moves the head branch on.
    const { files, leaky, fixed } = pullFiles(run);
    const branch = `bench-${run}`;
    const headSha = github.setBranch(REPO, branch, { ...github.filesAt(REPO, "main"), ...files }, `Add ${Object.keys(files).length} modules`);
    const number = github.openPull(REPO, { head: branch, base: "main", title: `Bench change ${run}` });
    const queued = (await callOk(mcp, "queue_review", { repositoryFullName: REPO, pullRequestNumber: number, headSha })).structured.review;
    const review = await until(
      `review ${queued.reviewRunId}`,
      async () => {
        const { reviewRun } = (await callOk(mcp, "get_review_run", { reviewRunId: queued.reviewRunId })).structured;
        return ["COMPLETED", "FAILED", "CANCELLED"].includes(reviewRun.status) ? reviewRun : undefined;
      },
      20,
    );
    if (review.status !== "COMPLETED" || review.verdict !== "FAIL") throw new Error(`run ${run}: the review ended ${review.status} ${review.verdict} (${review.failureReason ?? ""}), not a FAIL to remedy`);
    const added = review.findings.length;
    // The fix agent (instant model): rewrite the leaking file without the token, then say so.
    upstream.scriptFor(leaky, { tool: "write", filePath: `/workspace/${leaky}`, content: fixed }, { say: "Moved the token to the environment." });

    const t0 = performance.now();
    const { structured } = await callOk(mcp, "queue_remedy", { reviewRunId: review.reviewRunId });
    const row: Row = { run, queueCallMs: performance.now() - t0, outcome: "?" };
    rows.push(row);
    const remedyRunId = structured.remedyRun.remedyRunId as string;
    const stopCommitWatch = { stopped: false };
    const commit = until("the fix commit on the head branch", () => (github.branchSha(REPO, branch) !== headSha ? performance.now() - t0 : undefined), 2, stopCommitWatch);
    commit.catch(() => undefined); // awaited below only when the remedy names a commit
    const completed = until(
      `remedy ${remedyRunId} to end`,
      async () => {
        const { remedyRun } = (await callOk(mcp, "get_remedy_status", { remedyRunId })).structured;
        return ["COMPLETED", "FAILED", "CANCELLED"].includes(remedyRun.status) ? { at: performance.now() - t0, remedy: remedyRun } : undefined;
      },
      20,
    );
    const [ended] = await Promise.allSettled([completed]);
    if (ended.status === "rejected") {
      stopCommitWatch.stopped = true;
      row.outcome = `timed out: ${(ended.reason as Error).message}`;
      continue;
    }
    const { at, remedy } = ended.value;
    row.completedMs = at;
    row.serverMs = remedy.completedAt ? Date.parse(remedy.completedAt) - Date.parse(remedy.createdAt) : undefined;
    row.outcome = remedy.status === "COMPLETED" ? remedy.outcome : `${remedy.status}: ${remedy.failureReason}`;
    if (remedy.codingAgentRunId) {
      const agent = ((await (await fetch(`${server.url}/api/v1/coding-agent/runs/${remedy.codingAgentRunId}`, { headers: { authorization: `Bearer ${key}` } })).json()) as any).run;
      if (agent?.startedAt) row.agentReadyMs = Date.parse(agent.startedAt) - Date.parse(remedy.createdAt);
    }
    if (remedy.commitSha) {
      row.commitMs = await commit;
      if (github.branchSha(REPO, branch) !== remedy.commitSha) row.outcome += " (the branch is not at the remedy's commit!)";
    } else stopCommitWatch.stopped = true;
    console.log(
      `run ${run + 1}/${RUNS}: PR #${number} (${LINES} lines, ${added} finding(s)) → commit ${row.commitMs?.toFixed(0) ?? "–"} ms, COMPLETED ${at.toFixed(0)} ms (server ${row.serverMs ?? "–"} ms), ${row.outcome}`,
    );
  }

  const ok = rows.filter((r) => r.outcome === "resolved");
  const figures = (pick: (r: Row) => number | undefined) => ok.map(pick).filter((v): v is number => v !== undefined);
  const time = (ms: number, small: boolean) => (small ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`);
  const cell = (values: number[]) => {
    if (!values.length) return "– | –";
    const small = Math.max(...values) < 1_000;
    return `${time(median(values), small)} | ${time(Math.max(...values), small)}`;
  };
  const verdict = (values: number[]) => (values.length === 0 || ok.length < rows.length ? "MISS" : Math.max(...values) <= TARGET_MS ? "PASS" : median(values) <= TARGET_MS ? "MISS (median within)" : "MISS");
  const commitTimes = figures((r) => r.commitMs);
  const verdictTimes = figures((r) => r.completedMs);
  const serverTimes = figures((r) => r.serverMs);
  const queueCalls = rows.map((r) => r.queueCallMs);

  console.log(`\nRemedy over MCP, ${RUNS} runs on ${LINES}-line pull requests (instant scripted model, bwrap + OpenCode, deterministic re-review); ${ok.length} of ${rows.length} resolved\n`);
  console.log("| measure (from just before the queue_remedy call) | median | max | target | result |");
  console.log("|---|---|---|---|---|");
  console.log(`| (a) fix commit on the head branch (fake GitHub) | ${cell(commitTimes)} | ≤ 5 s | ${verdict(commitTimes)} |`);
  console.log(`| (b) remedy COMPLETED: the re-review's verdict in (get_remedy_status) | ${cell(verdictTimes)} | ≤ 5 s | ${verdict(verdictTimes)} |`);
  console.log(`| (b) as the server stamps it (createdAt → completedAt) | ${cell(serverTimes)} | – | – |`);
  console.log(`| of which: queue → fix run RUNNING (sandbox + OpenCode up, server clock) | ${cell(figures((r) => r.agentReadyMs))} | – | – |`);
  console.log(`| of which: fix commit → verdict, (b) − (a) | ${cell(ok.map((r) => r.completedMs! - r.commitMs!))} | – | – |`);
  console.log(`| queue_remedy call itself | ${cell(queueCalls)} | – | – |`);
  console.log("\nPASS: every run resolved and within the target (max ≤ 5 s).");
  for (const r of rows.filter((x) => x.outcome !== "resolved")) console.log(`run ${r.run + 1} did not resolve: ${r.outcome}`);
} finally {
  for (const client of clients) await client.close().catch(() => undefined);
  await server.stop();
  upstream.stop();
  github.stop();
  rmSync(dir, { recursive: true, force: true });
}
