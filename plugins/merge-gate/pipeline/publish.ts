import type { Octokit } from "@octokit/core";
import { eq } from "drizzle-orm";
import type { AppContext } from "../../../src/context.ts";
import type { RunRow } from "../runs.ts";
import { completeCheckRun, MAX_INLINE_COMMENTS, postInlineComments, upsertSummaryComment } from "./github-output.ts";
import { commentBody, type ReviewOutcome, SUMMARY_MARKER } from "./summary.ts";

/**
 * Reports a completed review on GitHub: completes the check run, updates the one summary comment in place, and
 * posts inline comments only for located FAIL/WARNING findings that never had one (persisting findings stay quiet).
 * A GitHub failure here does not undo the review: the verdict is already stored; the failure is logged.
 */
export async function publishReview(ctx: AppContext, octokit: Octokit, run: RunRow, outcome: ReviewOutcome, lead: string, checkRunId: number | undefined): Promise<string[]> {
  const [owner, repo] = run.repository.split("/");
  const target = { octokit, owner, repo };
  const problems: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
      ctx.log.warn({ err: error, runId: run.id, what }, "publishing to GitHub failed");
    }
  };

  if (checkRunId !== undefined) {
    await attempt("check run", () => completeCheckRun(target, checkRunId, { verdict: outcome.verdict, title: `${outcome.verdict} · risk ${outcome.risk.band}`, summary: lead, findings: outcome.findings }));
  }

  const { pullRequestStates: t } = ctx.tables;
  const stateId = `${run.repositoryKey}#${run.pullRequestNumber}`;
  const [state] = await ctx.db.select().from(t).where(eq(t.id, stateId));
  const commented = new Set(state?.commentedFingerprints ?? []);
  let commentId = state?.summaryCommentId ?? null;
  await attempt("summary comment", async () => {
    commentId = await upsertSummaryComment(target, run.pullRequestNumber, commentBody(outcome, { headSha: run.headSha, runId: run.id, execution: run.execution, lead }), commentId, SUMMARY_MARKER);
  });

  const inline = outcome.findings
    .filter((f) => f.severity !== "INFO" && f.filePath && f.startLine !== null && !commented.has(f.fingerprint))
    .slice(0, MAX_INLINE_COMMENTS);
  await attempt("inline comments", async () => {
    await postInlineComments(target, run.pullRequestNumber, run.headSha, inline);
    for (const f of inline) commented.add(f.fingerprint);
  });

  const values = { id: stateId, summaryCommentId: commentId, commentedFingerprints: [...commented], updatedAt: new Date() };
  await ctx.db.insert(t).values(values).onConflictDoUpdate({ target: t.id, set: { summaryCommentId: values.summaryCommentId, commentedFingerprints: values.commentedFingerprints, updatedAt: values.updatedAt } });
  return problems;
}
