import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { type Command, type CommanderError, Option } from "commander";
import { formatWait, GateClient, GateError, HttpFailure, normalizeServer, parseWait, TimedOut } from "./gate-client.ts";
import { type FailOn, type GateRun, githubOutput, oneLine, textOutput, verdictFails } from "./gate-output.ts";

/**
 * `critique gate`: a CI step. Queues the review of one pull-request head (or reuses the finished review of that
 * SHA), waits for it with progress on stderr, prints the verdict, and exits 0 (pass), 1 (verdict at or above
 * --fail-on) or 2 (could not decide: bad key, unknown repository, server down, timeout, pipeline error).
 *
 * It is a client of a remote server over HTTP: it never opens a database or loads server configuration.
 */

export const EXIT = { PASS: 0, VERDICT: 1, ERROR: 2 } as const;
const FORMATS = ["text", "json", "github"] as const;
type Format = (typeof FORMATS)[number];
const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELLED"]);
const POLL_FIRST_MS = 2_000;
const POLL_MAX_MS = 10_000;
/** Consecutive transient poll failures (network, 5xx, 429) tolerated before giving up. */
const POLL_RETRIES = 5;

interface GateOptions {
  server: string;
  repository: string;
  pullRequest: string;
  sha: string;
  title?: string;
  wait: string;
  failOn: FailOn;
  sarif?: string;
  format: Format;
  rerun?: boolean;
}

interface Snapshot {
  reviewRun: GateRun & Record<string, unknown>;
}

const HELP_AFTER = `
Environment:
  CRITIQUE_API_KEY   a crt_ key with read:reviews and write:reviews (critique keys create --scopes read:reviews,write:reviews)

Exit codes:
  0  the verdict is below --fail-on (PASS; WARN with --fail-on fail)
  1  the verdict is at or above --fail-on (FAIL; WARN with --fail-on warn)
  2  no verdict: bad or missing key (401), missing scope (403), unknown repository or run (404), server
     unreachable, --wait timed out, the review run FAILED or was CANCELLED, or a usage error

Progress goes to stderr ("review run X: IN_PROGRESS (12 s)"); stdout carries only the --format output.
A COMPLETED review of the same SHA is reused (no new run, no new charge) unless --rerun is given.

Examples:
  critique gate --server https://critique.example.com --repository acme/web --pull-request 42 --sha "$HEAD_SHA"
  critique gate --server "$CRITIQUE_URL" --repository acme/web --pull-request 42 --sha "$HEAD_SHA" \\
    --fail-on warn --format github --sarif critique.sarif --wait 20m`;

export function registerGateCommand(program: Command) {
  program
    .command("gate")
    .description("CI merge gate: review a pull request head on a Critique server, wait for the verdict, exit 0 (pass), 1 (fail) or 2 (error)")
    .requiredOption("--server <url>", "base URL of the Critique server, e.g. https://critique.example.com")
    .requiredOption("--repository <owner/repo>", "the GitHub repository, e.g. acme/web")
    .requiredOption("--pull-request <number>", "the pull request number")
    .requiredOption("--sha <sha>", "the pull request's head commit SHA (the commit CI is testing)")
    .option("--title <title>", "pull request title, stored on the review run for dashboards")
    .option("--wait <duration>", "how long to wait for the verdict, e.g. 90s, 15m, 1h", "15m")
    .addOption(new Option("--fail-on <level>", "lowest verdict that fails the gate (exit 1)").choices(["fail", "warn"]).default("fail"))
    .option("--sarif <file>", "also write the review as SARIF 2.1.0 to this file (for GitHub code scanning), whatever the --format")
    .addOption(new Option("--format <format>", "stdout: text (summary), json (the review-run snapshot), github (workflow annotations)").choices([...FORMATS]).default("text"))
    .option("--rerun", "review again even when a COMPLETED review of this SHA exists")
    .addHelpText("after", HELP_AFTER)
    .showHelpAfterError("(critique gate --help shows the options)")
    // Usage errors are "no verdict" (2), never 1, which CI would read as a failing review.
    .exitOverride((error: CommanderError) => process.exit(error.exitCode === 0 ? 0 : EXIT.ERROR))
    .action((opts: GateOptions) => runGate(opts));
}

const say = (line: string) => process.stderr.write(`${line}\n`);
const write = (text: string) => new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));

function validate(opts: GateOptions) {
  const server = normalizeServer(opts.server);
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(opts.repository)) throw new GateError(`--repository: expected owner/repo, got "${opts.repository}"`);
  if (!/^\d+$/.test(opts.pullRequest) || Number(opts.pullRequest) < 1) throw new GateError(`--pull-request: expected a pull request number (1 or more), got "${opts.pullRequest}"`);
  if (!/^[0-9a-fA-F]{7,64}$/.test(opts.sha)) throw new GateError(`--sha: expected a hex commit SHA of at least 7 characters, got "${opts.sha}"`);
  const waitMs = parseWait(opts.wait);
  if (waitMs === undefined) throw new GateError(`--wait: expected a duration like 30s, 15m or 1h, got "${opts.wait}"`);
  const key = process.env.CRITIQUE_API_KEY?.trim();
  if (!key) throw new GateError("CRITIQUE_API_KEY is not set: export a crt_ key with the read:reviews and write:reviews scopes");
  return { server, key, repository: opts.repository, pullRequestNumber: Number(opts.pullRequest), sha: opts.sha.toLowerCase(), waitMs };
}

export async function runGate(opts: GateOptions): Promise<never> {
  const started = Date.now();
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;
  let runId: string | undefined;
  let lastStatus: string | undefined;
  let waitMs = 0;
  try {
    const input = validate(opts);
    waitMs = input.waitMs;
    const deadline = started + input.waitMs;
    const client = new GateClient({ server: input.server, key: input.key, deadline });

    // 1. The run for this SHA: a finished review is reused; otherwise queue (the server dedupes in-flight runs).
    let existing: { reviewRunId: string; status: string; headSha: string } | undefined;
    if (!opts.rerun) {
      const query = new URLSearchParams({ repository: input.repository, pullRequestNumber: String(input.pullRequestNumber), limit: "100" });
      const { reviewRuns } = await client.json<{ reviewRuns: { reviewRunId: string; status: string; headSha: string }[] }>("GET", `/api/v1/review-runs?${query}`);
      existing = reviewRuns.find((r) => r.headSha.toLowerCase() === input.sha && (r.status === "COMPLETED" || !TERMINAL.has(r.status)));
    }
    if (existing) {
      runId = existing.reviewRunId;
      say(`review run ${runId}: reusing the ${existing.status} review of ${input.sha.slice(0, 12)} (--rerun reviews again)`);
    } else {
      const body = { repositoryFullName: input.repository, pullRequestNumber: input.pullRequestNumber, headSha: input.sha, ...(opts.title ? { pullRequestTitle: opts.title } : {}) };
      const { review } = await client.json<{ review: { reviewRunId: string; status: string } }>("POST", "/api/v1/reviews", body);
      runId = review.reviewRunId;
      say(`review run ${runId}: queued for ${input.repository}#${input.pullRequestNumber} at ${input.sha.slice(0, 12)} (${review.status})`);
    }

    // 2. Poll until terminal, backing off from 2 s to 10 s, never past the deadline.
    let snapshot: Snapshot | undefined;
    let interval = POLL_FIRST_MS;
    let failures = 0;
    for (;;) {
      try {
        snapshot = await client.json<Snapshot>("GET", `/api/v1/review-runs/${encodeURIComponent(runId)}?findings=all`);
        failures = 0;
      } catch (error) {
        if (!(error instanceof HttpFailure && error.transient) || ++failures > POLL_RETRIES) throw error;
        say(`review run ${runId}: ${error.message}; retrying (${failures}/${POLL_RETRIES})`);
      }
      if (snapshot) {
        lastStatus = snapshot.reviewRun.status;
        if (TERMINAL.has(lastStatus)) break;
        say(`review run ${runId}: ${lastStatus} (${elapsed()})`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new TimedOut();
      await Bun.sleep(Math.min(interval, left));
      interval = Math.min(Math.round(interval * 1.5), POLL_MAX_MS);
    }
    const run = snapshot!.reviewRun;
    if (run.status === "FAILED") throw new GateError(`review run ${runId} FAILED: ${oneLine(run.failureReason || "the server gave no reason", 400)}`);
    if (run.status === "CANCELLED") throw new GateError(`review run ${runId} was CANCELLED before it finished`);
    say(`review run ${runId}: COMPLETED with verdict ${run.verdict} (${elapsed()})`);

    // 3. SARIF, whatever the format: the run is complete, so this gets its own short deadline.
    if (opts.sarif) {
      const response = await client.request("GET", `/api/v1/review-runs/${encodeURIComponent(runId)}/sarif`, undefined, Date.now() + 30_000);
      const text = await response.text();
      if (!response.ok) {
        let reason = oneLine(text, 300);
        try {
          reason = oneLine(JSON.parse(text).error ?? reason, 300);
        } catch {}
        throw new GateError(`--sarif: GET /api/v1/review-runs/${runId}/sarif answered ${response.status}: ${reason}`);
      }
      try {
        mkdirSync(dirname(opts.sarif), { recursive: true });
        writeFileSync(opts.sarif, text);
      } catch (error) {
        throw new GateError(`--sarif: cannot write ${opts.sarif}: ${oneLine((error as Error).message, 200)}`);
      }
      say(`review run ${runId}: SARIF written to ${opts.sarif}`);
    }

    // 4. The verdict on stdout; the exit code from --fail-on.
    const lines = opts.format === "json" ? [JSON.stringify(snapshot)] : opts.format === "github" ? githubOutput(run, opts.failOn) : textOutput(run, opts.failOn);
    await write(`${lines.join("\n")}\n`);
    process.exit(verdictFails(run.verdict, opts.failOn) ? EXIT.VERDICT : EXIT.PASS);
  } catch (error) {
    let message: string;
    if (error instanceof TimedOut)
      message = `timed out after ${formatWait(waitMs)} waiting for ${runId ? `review run ${runId} (still ${lastStatus ?? "not answered"})` : "the server"}; raise --wait or check the server's workers`;
    else if (error instanceof GateError) message = error.message;
    else message = `unexpected error: ${oneLine((error as Error)?.message ?? String(error), 300)}`;
    say(`critique: gate: ${message}`);
    process.exit(EXIT.ERROR);
  }
}
