/**
 * What `critique gate` prints on stdout: a short text summary, the snapshot JSON, or GitHub Actions workflow
 * annotations. Pure functions (unit-tested without a server).
 *
 * Findings quote pull-request content (via the model), so nothing printed here may start a line with `::` in a
 * way an Actions runner would take as a workflow command: text output is one line per item behind our own
 * prefix, and annotations escape their properties and message as GitHub's workflow-command rules require.
 */

export type Verdict = "PASS" | "WARN" | "FAIL";
export type FailOn = "fail" | "warn";

export interface GateFinding {
  specialist: string;
  severity: "FAIL" | "WARNING" | "INFO";
  confidence: number;
  title: string;
  summary: string;
  filePath: string | null;
  startLine: number | null;
  endLine: number | null;
  fingerprint: string;
}

export interface GateRun {
  reviewRunId: string;
  status: string;
  verdict: Verdict | null;
  summary: string | null;
  repository: string;
  pullRequestNumber: number;
  headSha: string;
  findings: GateFinding[];
  findingsTotal: number;
  failureReason?: string | null;
}

/** Exit code 1 when the verdict is at or above `--fail-on`: `fail` fails on FAIL only, `warn` on WARN and FAIL. */
export function verdictFails(verdict: Verdict | null, failOn: FailOn): boolean {
  if (verdict === "FAIL") return true;
  return verdict === "WARN" && failOn === "warn";
}

/** Workflow-command message data: `%`, CR and LF escaped (as @actions/core's `toCommandValue` + escapeData). */
export function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Workflow-command property values: additionally `:` and `,`, which separate properties. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/** One workflow command line, e.g. `::error file=a.ts,line=3,title=T::message`. */
export function workflowCommand(command: "error" | "warning" | "notice", properties: Record<string, string | number | undefined>, message: string): string {
  const props = Object.entries(properties)
    .filter(([, value]) => value !== undefined && value !== "")
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(",");
  return `::${command}${props ? ` ${props}` : ""}::${escapeData(message)}`;
}

const ANNOTATION = { FAIL: "error", WARNING: "warning", INFO: "notice" } as const;
const positive = (n: number | null): n is number => typeof n === "number" && Number.isInteger(n) && n >= 1;

/** A finding as a GitHub Actions annotation: file and lines when known, `SPECIALIST: title` as its title. */
export function annotation(finding: GateFinding): string {
  const line = positive(finding.startLine) ? finding.startLine : undefined;
  const endLine = line !== undefined && positive(finding.endLine) && finding.endLine >= line ? finding.endLine : undefined;
  return workflowCommand(
    ANNOTATION[finding.severity] ?? "notice",
    { file: finding.filePath ?? undefined, line, endLine, title: `Critique ${finding.specialist}: ${finding.title}` },
    `${finding.summary}\n(fingerprint ${finding.fingerprint}, confidence ${finding.confidence.toFixed(2)})`,
  );
}

export function counts(findings: GateFinding[]): string {
  const n = (severity: GateFinding["severity"]) => findings.filter((f) => f.severity === severity).length;
  return `${n("FAIL")} FAIL, ${n("WARNING")} WARNING, ${n("INFO")} INFO`;
}

function headline(run: GateRun): string {
  return `${run.repository}#${run.pullRequestNumber} at ${run.headSha.slice(0, 12)} (review run ${run.reviewRunId})`;
}

function outcome(run: GateRun, failOn: FailOn): string {
  return verdictFails(run.verdict, failOn) ? `failed: verdict ${run.verdict} is at or above --fail-on ${failOn}` : `passed: verdict ${run.verdict} is below --fail-on ${failOn}`;
}

/** The `::…` lines, one per finding, then one summary annotation at the gate's own outcome level. */
export function githubOutput(run: GateRun, failOn: FailOn): string[] {
  const lines = run.findings.map(annotation);
  const level = verdictFails(run.verdict, failOn) ? "error" : run.verdict === "WARN" ? "warning" : "notice";
  lines.push(workflowCommand(level, { title: `Critique verdict: ${run.verdict}` }, `Critique merge gate ${outcome(run, failOn)}. ${run.findingsTotal} finding(s): ${counts(run.findings)}. ${headline(run)}`));
  return lines;
}

/** Collapses any text to one line (no CR/LF), trimmed to `max` characters. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function where(f: GateFinding): string {
  if (!f.filePath) return "(no file)";
  if (!positive(f.startLine)) return f.filePath;
  return positive(f.endLine) && f.endLine > f.startLine ? `${f.filePath}:${f.startLine}-${f.endLine}` : `${f.filePath}:${f.startLine}`;
}

export const TOP_FINDINGS = 10;

/** The human summary: verdict, counts, the top findings with file:line, the gate's outcome. */
export function textOutput(run: GateRun, failOn: FailOn): string[] {
  const lines = [`Critique verdict: ${run.verdict} for ${headline(run)}`, `Findings: ${run.findingsTotal} (${counts(run.findings)})`];
  if (run.summary) lines.push(`Summary: ${oneLine(run.summary, 500)}`);
  for (const f of run.findings.slice(0, TOP_FINDINGS)) lines.push(`  ${f.severity.padEnd(7)} ${f.specialist.padEnd(12)} ${oneLine(where(f), 120)}  ${oneLine(f.title, 160)}`);
  if (run.findings.length > TOP_FINDINGS) lines.push(`  … and ${run.findings.length - TOP_FINDINGS} more (--format json lists them all)`);
  lines.push(`Gate ${outcome(run, failOn)}`);
  return lines;
}
