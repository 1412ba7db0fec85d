#!/usr/bin/env bun
/**
 * Dashboard rendering and footprint, against the compiled binary on SQLite:
 *   - a completed FAIL review run with 500 findings (each with a code snippet) is seeded straight into the database
 *     through drizzle (a context from `createContext` on the binary's data dir), for a user who controls its
 *     installation;
 *   - the binary is started on that data dir, the user signs in over HTTP (the session cookie), and
 *     `GET /dashboard/review-runs/{id}` is timed: server-side from the access log's `ms` (the server sends no timing
 *     header), and client-side on loopback, median and p95;
 *   - the dashboard's embedded assets: the bytes of the strings plugins/dashboard/assets/*.ts export.
 * Figures are printed beside the issue's targets (≤ 50 ms server-side for the 500-finding run page; ≤ 3 MB of assets).
 *
 *   bun bench/dashboard.ts [--requests 50] [--findings 500] [--no-build]
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { setPassword } from "../src/auth/passwords.ts";
import { loadConfig } from "../src/config/index.ts";
import { newId } from "../src/ids.ts";
import { createLogger } from "../src/log.ts";
import { closeContext, createContext } from "../src/runtime.ts";
import { grantInstallation } from "../src/github/installations.ts";
import { median, startServer } from "./binary.ts";

const { values: options } = parseArgs({ options: { requests: { type: "string", default: "50" }, findings: { type: "string", default: "500" }, "no-build": { type: "boolean", default: false } } });
const REQUESTS = Number(options.requests);
const FINDINGS = Number(options.findings);
const WARMUP = 5;
const ROOT = resolve(import.meta.dir, "..");
const BINARY = join(ROOT, "dist", "critique");
const TARGET_MS = 50;
const TARGET_ASSET_BYTES = 3 * 1024 * 1024;
const USER = "bench";
const PASSWORD = "bench-password-0123456789";
const INSTALLATION = "4242";
const REPO = "acme/web";

if (!options["no-build"]) {
  console.log("building dist/critique …");
  if ((await Bun.spawn(["bun", "run", "build"], { cwd: ROOT, stdout: "ignore", stderr: "inherit" }).exited) !== 0) throw new Error("bun run build failed");
}

const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(values.length * 0.95) - 1)]!;

/** A completed FAIL run with `count` findings (a tenth FAIL, a third WARNING, the rest INFO), each with a 6-line snippet. */
async function seed(dataDir: string, count: number): Promise<string> {
  const ctx = await createContext(loadConfig({ CRITIQUE_DATA_DIR: dataDir }), createLogger("error"));
  try {
    const user = await setPassword(ctx, { name: USER, password: PASSWORD });
    await grantInstallation(ctx, INSTALLATION, user.id);
    const id = newId();
    const now = new Date();
    await ctx.db.insert(ctx.tables.reviewRuns).values({
      id,
      userId: user.id,
      installationId: INSTALLATION,
      repository: REPO,
      repositoryKey: REPO,
      pullRequestNumber: 500,
      headSha: "f".repeat(40),
      baseSha: "e".repeat(40),
      pullRequestTitle: "Rewrite the billing module",
      status: "COMPLETED",
      verdict: "FAIL",
      summary: `FAIL: ${Math.ceil(count / 10)} blocking findings.`,
      riskBand: "high",
      riskScore: 92,
      coverage: { filesReviewed: 120, filesSkipped: [], filesNotReviewed: [], specialists: ["SECURITY", "TESTS", "ARCHITECTURE", "PERFORMANCE", "CODE_QUALITY"].map((name) => ({ name, status: "complete" })) },
      trigger: "api",
      createdAt: now,
      updatedAt: now,
      startedAt: now,
      completedAt: now,
    });
    const severities = ["FAIL", "WARNING", "INFO"] as const;
    const rows = Array.from({ length: count }, (_, i) => {
      const severity = i % 10 === 0 ? severities[0] : i % 3 === 0 ? severities[1] : severities[2];
      const line = 10 + (i % 400);
      return {
        id: newId(),
        runId: id,
        specialist: ["SECURITY", "TESTS", "ARCHITECTURE", "PERFORMANCE", "CODE_QUALITY"][i % 5]!,
        severity,
        severityRank: severities.indexOf(severity),
        confidence: 0.5 + (i % 50) / 100,
        title: `Finding ${i}: the <input> of handler ${i} is not validated before it reaches the query`,
        summary: `The value read at line ${line} flows into \`db.query\` unchecked; validate it with the schema in src/schemas/billing-${i % 40}.ts and add a test for the empty & oversized cases.`,
        filePath: `src/billing/module-${i % 40}/handler-${i}.ts`,
        startLine: line,
        endLine: line + 5,
        fingerprint: `bench:${i.toString(16).padStart(16, "0")}`,
        rule: `rule-${i % 25}`,
        novelty: i % 4 === 0 ? "persisting" : "new",
        snippet: Array.from({ length: 6 }, (_, k) => `  const value${k} = await db.query("SELECT * FROM invoices WHERE id = " + req.params.id${k}); // <${k}>`).join("\n"),
        createdAt: now,
      };
    });
    for (let i = 0; i < rows.length; i += 50) await ctx.db.insert(ctx.tables.reviewFindings).values(rows.slice(i, i + 50));
    return id;
  } finally {
    await closeContext(ctx);
  }
}

/** The bytes of every string the dashboard's asset modules export (they are embedded in the binary as they are). */
async function assetBytes(): Promise<{ files: string[]; bytes: number }> {
  const dir = join(ROOT, "plugins", "dashboard", "assets");
  const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
  let bytes = 0;
  for (const file of files) {
    const exported = (await import(join(dir, file))) as Record<string, unknown>;
    for (const value of Object.values(exported)) if (typeof value === "string") bytes += Buffer.byteLength(value);
  }
  return { files, bytes };
}

const dir = mkdtempSync(join(tmpdir(), "critique-bench-dashboard-"));
const dataDir = join(dir, "data");
try {
  const runId = await seed(dataDir, FINDINGS);
  const server = await startServer(BINARY, dir, { CRITIQUE_DATA_DIR: dataDir, CRITIQUE_LOG_LEVEL: "info" });
  const client = { run: [] as number[], list: [] as number[] };
  let pageBytes = 0;
  let rendered = 0;
  try {
    const signedIn = await fetch(`${server.url}/sign-in`, { method: "POST", redirect: "manual", body: new URLSearchParams({ name: USER, password: PASSWORD }) });
    if (signedIn.status !== 303) throw new Error(`sign-in answered ${signedIn.status}`);
    const cookie = (signedIn.headers.get("set-cookie") ?? "").split(";")[0]!;
    const time = async (path: string, sink: number[] | undefined) => {
      const started = performance.now();
      const res = await fetch(`${server.url}${path}`, { headers: { cookie }, redirect: "manual" });
      const body = await res.text();
      const ms = performance.now() - started;
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
      sink?.push(ms);
      return body;
    };
    for (let i = 0; i < WARMUP; i++) await time(`/dashboard/review-runs/${runId}`, undefined);
    for (let i = 0; i < REQUESTS; i++) {
      const body = await time(`/dashboard/review-runs/${runId}`, client.run);
      pageBytes = Buffer.byteLength(body);
      rendered = body.match(/<article class="finding /g)?.length ?? 0;
    }
    for (let i = 0; i < WARMUP + REQUESTS; i++) await time("/dashboard/review-runs", i < WARMUP ? undefined : client.list);
  } finally {
    await server.stop();
  }

  // The access log (stdout, JSON lines): per-request server time, from onRequest to the response being sent.
  const serverMs = (route: string) =>
    (existsSync(join(dir, "server.log")) ? readFileSync(join(dir, "server.log"), "utf8") : "")
      .split("\n")
      .filter((line) => line.includes('"msg":"request"'))
      .map((line) => JSON.parse(line) as { route?: string; method?: string; status?: number; ms: number })
      .filter((entry) => entry.route === route && entry.method === "GET" && entry.status === 200)
      .map((entry) => entry.ms)
      .slice(WARMUP);
  const runServer = serverMs("/dashboard/review-runs/:id");
  const listServer = serverMs("/dashboard/review-runs");
  const assets = await assetBytes();
  const binaryMb = statSync(BINARY).size / 1024 / 1024;

  const fmt = (values: number[]) => (values.length ? `${median(values).toFixed(1)} ms median, ${p95(values).toFixed(1)} ms p95` : "n/a (no access-log lines)");
  const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");
  console.log(`\nDashboard, compiled binary on SQLite: a completed FAIL run with ${FINDINGS} findings (rendered: ${rendered}, page ${(pageBytes / 1024).toFixed(0)} KiB), ${REQUESTS} requests after ${WARMUP} warm-up\n`);
  console.log("| measure | critique | target | |");
  console.log("|---|---|---|---|");
  console.log(`| run page, server-side (access log) | ${fmt(runServer)} | ≤ ${TARGET_MS} ms | ${verdict(runServer.length > 0 && p95(runServer) <= TARGET_MS)} |`);
  console.log(`| run page, client-side on loopback | ${fmt(client.run)} | – | |`);
  console.log(`| review-run list (1 run), server-side | ${fmt(listServer)} | – | |`);
  console.log(`| embedded assets (${assets.files.join(", ")}) | ${(assets.bytes / 1024).toFixed(1)} KiB | ≤ 3 MB | ${verdict(assets.bytes <= TARGET_ASSET_BYTES)} |`);
  console.log(`| whole binary (for reference) | ${binaryMb.toFixed(1)} MB | – | |`);
  if (rendered !== FINDINGS) console.log(`\nwarning: the page rendered ${rendered} findings, not ${FINDINGS}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
