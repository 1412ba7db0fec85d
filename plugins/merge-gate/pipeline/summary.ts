import type { Finding } from "../analysis/finding.ts";
import { explainRisk, type Risk } from "../analysis/risk.ts";
import type { Coverage, Verdict } from "../analysis/verdict.ts";
import { inert } from "./markdown.ts";

export interface ReviewOutcome {
  verdict: Verdict;
  risk: Risk;
  findings: (Finding & { novelty: "new" | "persisting" })[];
  resolved: { title: string; filePath: string | null }[];
  coverage: Coverage;
  notes: string[];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The run's `summary`: a lead sentence, the risk explanation, and whatever was not reviewed or did not run. */
export function leadSummary(outcome: ReviewOutcome): string {
  const fails = outcome.findings.filter((f) => f.severity === "FAIL");
  const warnings = outcome.findings.filter((f) => f.severity === "WARNING");
  const parts: string[] = [];
  if (fails.length) parts.push(`${plural(fails.length, "blocking finding")}: ${fails.slice(0, 3).map((f) => f.title).join("; ")}.`);
  else if (warnings.length) parts.push(`No blocking findings; ${plural(warnings.length, "warning")}.`);
  else parts.push("No blocking findings or warnings.");
  parts.push(explainRisk(outcome.risk));
  if (outcome.resolved.length) parts.push(`Resolved since the previous review: ${outcome.resolved.map((r) => r.title).join("; ")}.`);
  const skipped = outcome.coverage.filesSkipped;
  if (skipped.length) parts.push(`Skipped ${plural(skipped.length, "file")} (${[...new Set(skipped.map((s) => s.reason))].join(", ")}).`);
  if (outcome.coverage.filesNotReviewed.length) parts.push(`Not reviewed (over the model's budget): ${outcome.coverage.filesNotReviewed.slice(0, 10).join(", ")}${outcome.coverage.filesNotReviewed.length > 10 ? ", …" : ""}.`);
  const notRun = outcome.coverage.specialists.filter((s) => s.status !== "complete");
  if (notRun.length) parts.push(`Specialists not complete: ${notRun.map((s) => `${s.name} (${s.reason ?? s.status})`).join(", ")}.`);
  parts.push(...outcome.notes);
  return `${outcome.verdict}: ${parts.join(" ")}`;
}

export const SUMMARY_MARKER = "<!-- critique:summary -->";

/**
 * The pull request comment, edited in place on every run. Finding titles, file paths and the lead (which quotes
 * titles) come from the pull request and the model: they are rendered inert (no headings, images, mentions, HTML).
 */
export function commentBody(outcome: ReviewOutcome, meta: { headSha: string; runId: string; execution: number; lead: string }): string {
  const lines = [SUMMARY_MARKER, `## Critique: ${outcome.verdict} · risk ${outcome.risk.band} (${outcome.risk.score}/100)`, "", inert(meta.lead), ""];
  if (outcome.findings.length) {
    lines.push(`### Findings (${outcome.findings.length})`, "", "| Severity | Specialist | Finding | Location | |", "|---|---|---|---|---|");
    for (const f of outcome.findings.slice(0, 30)) {
      const where = f.filePath ? `${inert(f.filePath, { inline: true })}${f.startLine ? `:${f.startLine}` : ""}` : "—";
      lines.push(`| ${f.severity} | ${f.specialist} | ${inert(f.title, { inline: true })} | ${where} | ${f.novelty} |`);
    }
    if (outcome.findings.length > 30) lines.push("", `…and ${outcome.findings.length - 30} more (see the check run).`);
    lines.push("");
  }
  if (outcome.resolved.length) lines.push("### Resolved since the previous review", "", ...outcome.resolved.map((r) => `- ~~${inert(r.title, { inline: true })}~~${r.filePath ? ` (${inert(r.filePath, { inline: true })})` : ""}`), "");
  lines.push(`<sub>Reviewed ${meta.headSha.slice(0, 12)} · run \`${meta.runId}\` · execution ${meta.execution}</sub>`);
  return lines.join("\n");
}
