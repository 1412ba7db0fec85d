import type { ReviewRunView } from "../merge-gate/model.ts";

/**
 * Short plain-text renderings of tool results, for agents that read `content` rather than `structuredContent`:
 * the verdict first, then what to do or look at next.
 */
const sha = (value: string) => value.slice(0, 12);
const pr = (repository: string, number: number, head: string) => `${repository}#${number} @ ${sha(head)}`;

type RunSummary = Pick<ReviewRunView, "reviewRunId" | "status" | "verdict" | "riskBand" | "repository" | "pullRequestNumber" | "headSha" | "findingsTotal">;

function runHeadline(run: RunSummary): string {
  if (run.status !== "COMPLETED") return `${run.status} · ${pr(run.repository, run.pullRequestNumber, run.headSha)}`;
  const risk = run.riskBand ? ` · risk ${run.riskBand}` : "";
  return `${run.verdict ?? "NO VERDICT"}${risk} · ${run.findingsTotal} finding${run.findingsTotal === 1 ? "" : "s"} · ${pr(run.repository, run.pullRequestNumber, run.headSha)}`;
}

export function renderQueuedReview(review: { reviewRunId: string; status: string; repository: string; pullRequestNumber: number; headSha: string }, enqueued: boolean): string {
  const how = enqueued ? "Queued" : "Already queued or running:";
  return `${how} review ${review.reviewRunId} (${review.status}) of ${pr(review.repository, review.pullRequestNumber, review.headSha)}. Poll get_review_run with this reviewRunId until the status is COMPLETED or FAILED.`;
}

export function renderRun(run: ReviewRunView): string {
  const lines = [runHeadline(run)];
  if (run.status === "FAILED") lines.push(`Failure: ${run.failureReason ?? "unknown"}`);
  else if (run.status === "QUEUED" || run.status === "IN_PROGRESS") lines.push("Not finished: call get_review_run again in a few seconds.");
  if (run.summary) lines.push(run.summary);
  for (const f of run.findings) {
    const where = f.filePath ? ` ${f.filePath}${f.startLine ? `:${f.startLine}` : ""}` : "";
    lines.push(`- [${f.severity}] ${f.specialist}${where}: ${f.title} (${f.novelty})`);
  }
  return lines.join("\n");
}

export function renderRunList(runs: RunSummary[], nextCursor: string | null): string {
  if (runs.length === 0) return "No review runs.";
  const lines = [`${runs.length} review run${runs.length === 1 ? "" : "s"}, newest first:`, ...runs.map((r) => `- ${r.reviewRunId}: ${runHeadline(r)}`)];
  if (nextCursor) lines.push(`More: pass cursor "${nextCursor}".`);
  return lines.join("\n");
}

interface PassportSummary {
  passportId: string;
  repository: string;
  pullRequestNumber: number;
  headSha: string;
  verdict: string | null;
  riskBand: string | null;
  checkpointOutcome: string | null;
  policyOutcome: string | null;
  snapshotCount: number;
}

function passportLine(p: PassportSummary): string {
  const parts = [`verdict ${p.verdict ?? "none"}`, `risk ${p.riskBand ?? "unknown"}`, `checkpoint ${p.checkpointOutcome ?? "none"}`, `policy ${p.policyOutcome ?? "none"}`];
  return `${pr(p.repository, p.pullRequestNumber, p.headSha)} · ${parts.join(" · ")} · ${p.snapshotCount} snapshot${p.snapshotCount === 1 ? "" : "s"}`;
}

export function renderPassportList(passports: PassportSummary[], nextCursor: string | null): string {
  if (passports.length === 0) return "No change passports.";
  const lines = [`${passports.length} change passport${passports.length === 1 ? "" : "s"}, most recently changed first:`, ...passports.map((p) => `- ${p.passportId}: ${passportLine(p)}`)];
  if (nextCursor) lines.push(`More: pass cursor "${nextCursor}".`);
  return lines.join("\n");
}

export function renderPassport(p: PassportSummary & { timeline: { sequence: number; kind: string; headSha: string; state: Record<string, unknown> }[] }): string {
  const timeline = p.timeline.map((e) => `  ${e.sequence}. ${e.kind} @ ${sha(e.headSha)} ${JSON.stringify(e.state)}`);
  return [`Passport ${p.passportId}: ${passportLine(p)}`, "Timeline:", ...timeline].join("\n");
}

export function renderPolicy(o: { outcome: string; reasons: string[]; repository: string; pullRequestNumber: number; headSha: string; stale: boolean }): string {
  const reasons = o.reasons.length ? `: ${o.reasons.join("; ")}` : "";
  const stale = o.stale ? " (stale: the pull request's head moved on since; a newer push is not evaluated yet)" : "";
  return `Merge policy ${o.outcome.toUpperCase()}${reasons} · ${pr(o.repository, o.pullRequestNumber, o.headSha)}${stale}`;
}
