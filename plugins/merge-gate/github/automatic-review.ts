import { and, eq, ne } from "drizzle-orm";
import type { AppContext } from "../../../src/context.ts";
import { enqueueCheckpoint } from "../checkpoints/service.ts";
import { type RepositoryRef, upsertInstallation, upsertRepositories } from "../../../src/github/installations.ts";
import { enqueueRun } from "../runs.ts";
import { automaticReviewPayer } from "./billing.ts";

interface PullRequestPayload {
  action: string;
  installation?: { id: number };
  repository: { full_name: string; owner: { login: string; type?: string } };
  pull_request: { number: number; title?: string; draft?: boolean; head: { sha: string } };
}

/**
 * A pull request event: the checkpoint runs first, on every configured action; the checkpoint job then queues the
 * full review (see checkpoints/run.ts), so no automatic review ever starts before its checkpoint.
 */
export async function handlePullRequestEvent(ctx: AppContext, payload: PullRequestPayload) {
  const review = ctx.config.file.review;
  const pr = payload.pull_request;
  if (!review.triggers.includes(payload.action as never)) return { skipped: `action ${payload.action}` };
  if (pr.draft && !review.reviewDrafts) return { skipped: "draft pull request" };
  if (!payload.installation) return { skipped: "no installation in the delivery" };
  const installationId = String(payload.installation.id);
  const fullName = payload.repository.full_name;
  await upsertInstallation(ctx, { id: installationId, accountLogin: payload.repository.owner.login, accountType: payload.repository.owner.type ?? null });
  await upsertRepositories(ctx, installationId, [fullName]);
  const repository = { installationId, fullName, key: fullName.toLowerCase() };
  const checkpoint = await enqueueCheckpoint(ctx, { repository, userId: null, trigger: "github", pullRequestNumber: pr.number, headSha: pr.head.sha, title: pr.title ?? null });
  return { checkpointId: checkpoint.id };
}

/**
 * Queues an automatic review, paid by the installation's billing user. Pushes that arrive while an earlier
 * automatic review of the same PR (on the same installation) is still queued coalesce: the older queued run is
 * cancelled in favour of the newest SHA. REST requests are never coalesced.
 */
export async function queueAutomaticReview(ctx: AppContext, input: { repository: RepositoryRef; pullRequestNumber: number; headSha: string; title: string | null }) {
  const t = ctx.tables.reviewRuns;
  const headSha = input.headSha.toLowerCase();
  const now = new Date();
  await ctx.db
    .update(t)
    .set({ status: "CANCELLED", failureReason: `Superseded by a newer push (${headSha.slice(0, 12)})`, completedAt: now, updatedAt: now })
    .where(
      and(
        eq(t.installationId, input.repository.installationId),
        eq(t.repositoryKey, input.repository.key),
        eq(t.pullRequestNumber, input.pullRequestNumber),
        eq(t.trigger, "github"),
        eq(t.status, "QUEUED"),
        ne(t.headSha, headSha),
      ),
    );
  const userId = await automaticReviewPayer(ctx, input.repository.installationId, { repository: input.repository.fullName, pullRequestNumber: input.pullRequestNumber });
  const { run, enqueued } = await enqueueRun(ctx, { repository: input.repository, userId, trigger: "github", pullRequestNumber: input.pullRequestNumber, headSha, title: input.title });
  return { runId: run.id, enqueued };
}
