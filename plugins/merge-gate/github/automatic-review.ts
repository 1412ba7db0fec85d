import { and, eq, ne } from "drizzle-orm";
import type { AppContext } from "../../../src/context.ts";
import { upsertInstallation, upsertRepositories } from "../installations.ts";
import { enqueueRun } from "../runs.ts";

interface PullRequestPayload {
  action: string;
  installation?: { id: number };
  repository: { full_name: string; owner: { login: string; type?: string } };
  pull_request: { number: number; title?: string; draft?: boolean; head: { sha: string } };
}

/**
 * Queues a review for a pull request event. Pushes that arrive while an earlier automatic review of the same PR
 * is still queued coalesce: the older queued run is cancelled in favour of the newest SHA. REST requests are
 * never coalesced (each gets the SHA it asked for).
 */
export async function queueAutomaticReview(ctx: AppContext, payload: PullRequestPayload) {
  const review = ctx.config.file.review;
  const pr = payload.pull_request;
  if (!review.triggers.includes(payload.action as never)) return { skipped: `action ${payload.action}` };
  if (pr.draft && !review.reviewDrafts) return { skipped: "draft pull request" };
  if (!payload.installation) return { skipped: "no installation in the delivery" };
  const installationId = String(payload.installation.id);
  const fullName = payload.repository.full_name;
  await upsertInstallation(ctx, { id: installationId, accountLogin: payload.repository.owner.login, accountType: payload.repository.owner.type ?? null });
  await upsertRepositories(ctx, installationId, [fullName]);

  const t = ctx.tables.reviewRuns;
  const headSha = pr.head.sha.toLowerCase();
  const now = new Date();
  await ctx.db
    .update(t)
    .set({ status: "CANCELLED", failureReason: `Superseded by a newer push (${headSha.slice(0, 12)})`, completedAt: now, updatedAt: now })
    .where(and(eq(t.repositoryKey, fullName.toLowerCase()), eq(t.pullRequestNumber, pr.number), eq(t.trigger, "github"), eq(t.status, "QUEUED"), ne(t.headSha, headSha)));
  const { run, enqueued } = await enqueueRun(ctx, {
    repository: { installationId, fullName, key: fullName.toLowerCase() },
    userId: null,
    trigger: "github",
    pullRequestNumber: pr.number,
    headSha,
    title: pr.title ?? null,
  });
  return { runId: run.id, enqueued };
}
