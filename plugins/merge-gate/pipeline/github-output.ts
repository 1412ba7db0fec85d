import type { Octokit } from "@octokit/core";
import type { Finding } from "../analysis/finding.ts";
import type { Verdict } from "../analysis/verdict.ts";
import { inert } from "./markdown.ts";

export const CHECK_NAME = "Critique";
/** GitHub accepts at most 50 annotations per check-run request. */
const ANNOTATIONS_PER_REQUEST = 50;
/** Inline comments per run: enough to be useful, few enough to never spam a pull request. */
export const MAX_INLINE_COMMENTS = 20;

const CONCLUSION: Record<Verdict, "success" | "neutral" | "failure"> = { PASS: "success", WARN: "neutral", FAIL: "failure" };
const LEVEL = { FAIL: "failure", WARNING: "warning", INFO: "notice" } as const;

interface Repo {
  octokit: Octokit;
  owner: string;
  repo: string;
}

export async function startCheckRun({ octokit, owner, repo }: Repo, headSha: string, detailsUrl: string): Promise<number> {
  const { data } = await octokit.request("POST /repos/{owner}/{repo}/check-runs", {
    owner,
    repo,
    name: CHECK_NAME,
    head_sha: headSha,
    status: "in_progress",
    started_at: new Date().toISOString(),
    details_url: detailsUrl,
    output: { title: "Reviewing", summary: "Critique is reviewing this change." },
  });
  return Number(data.id);
}

/** Completes the check run; annotations for located findings go out in batches of 50. */
export async function completeCheckRun({ octokit, owner, repo }: Repo, checkRunId: number, result: { verdict: Verdict; title: string; summary: string; findings: Finding[] }) {
  const annotations = result.findings
    .filter((f) => f.filePath && f.startLine !== null)
    .map((f) => ({
      path: f.filePath!,
      start_line: f.startLine!,
      end_line: f.endLine ?? f.startLine!,
      annotation_level: LEVEL[f.severity],
      title: `${f.specialist}: ${f.title}`.slice(0, 255),
      message: f.summary.slice(0, 64_000),
    }));
  const batches: (typeof annotations)[] = [];
  for (let i = 0; i < annotations.length; i += ANNOTATIONS_PER_REQUEST) batches.push(annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  if (batches.length === 0) batches.push([]);
  for (const [index, batch] of batches.entries()) {
    const last = index === batches.length - 1;
    await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      owner,
      repo,
      check_run_id: checkRunId,
      ...(last ? { status: "completed", conclusion: CONCLUSION[result.verdict], completed_at: new Date().toISOString() } : {}),
      output: { title: result.title, summary: inert(result.summary).slice(0, 65_000), annotations: batch },
    });
  }
}

export async function failCheckRun({ octokit, owner, repo }: Repo, checkRunId: number, reason: string) {
  await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
    owner,
    repo,
    check_run_id: checkRunId,
    status: "completed",
    conclusion: "failure",
    completed_at: new Date().toISOString(),
    output: { title: "Critique could not review this change", summary: reason },
  });
}

/**
 * One summary comment per pull request, edited in place on later runs. Returns its id. Without a remembered id
 * it first looks for a comment carrying our marker (a retried POST or lost state must not leave a second one).
 */
export async function upsertSummaryComment({ octokit, owner, repo }: Repo, pullNumber: number, body: string, existingId: string | null, marker: string): Promise<string> {
  existingId ??= await findMarkedComment({ octokit, owner, repo }, pullNumber, marker);
  if (existingId) {
    try {
      await octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", { owner, repo, comment_id: Number(existingId), body });
      return existingId;
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw error;
      // Someone deleted it: post a fresh one.
    }
  }
  const { data } = await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { owner, repo, issue_number: pullNumber, body });
  return String(data.id);
}

async function findMarkedComment({ octokit, owner, repo }: Repo, pullNumber: number, marker: string): Promise<string | null> {
  for (let page = 1; page <= 10; page++) {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", { owner, repo, issue_number: pullNumber, per_page: 100, page });
    const mine = data.find((c) => c.body?.startsWith(marker) && c.user?.type === "Bot");
    if (mine) return String(mine.id);
    if (data.length < 100) break;
  }
  return null;
}

/** Inline review comments for located FAIL and WARNING findings, in one review (one notification). */
export async function postInlineComments({ octokit, owner, repo }: Repo, pullNumber: number, headSha: string, findings: Finding[]) {
  if (findings.length === 0) return;
  await octokit.request("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", {
    owner,
    repo,
    pull_number: pullNumber,
    commit_id: headSha,
    event: "COMMENT",
    body: `Critique found ${findings.length} issue${findings.length === 1 ? "" : "s"} on new lines.`,
    comments: findings.map((f) => ({
      path: f.filePath!,
      line: f.endLine ?? f.startLine!,
      ...(f.endLine && f.startLine && f.endLine > f.startLine ? { start_line: f.startLine, start_side: "RIGHT" as const } : {}),
      side: "RIGHT" as const,
      // Title and summary are the model's (which read the attacker's diff): inert, never markdown or mentions.
      body: `**${f.severity} · ${f.specialist}: ${inert(f.title, { inline: true })}**\n\n${inert(f.summary)}\n\n<sub>confidence ${f.confidence.toFixed(2)} · ${inert(f.fingerprint)}</sub>`,
    })),
  });
}
