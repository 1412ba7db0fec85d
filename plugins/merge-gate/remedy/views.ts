import { publicLink } from "../../../src/config/index.ts";
import type { AppContext, ServiceContext } from "../../../src/context.ts";
import { toCredits } from "../../../src/credits/index.ts";
import { notFound } from "../../../src/errors.ts";
import { canSeeInstallation } from "../../../src/github/installations.ts";
import type { RemedyOutcome, RemedyRunView, RemedyStage, RemedyStatus } from "./model.ts";
import { findRemedy, latestRemedies, type RemedyRow } from "./store.ts";

export function remedyUrls(ctx: AppContext, remedy: RemedyRow): RemedyRunView["urls"] {
  const api = publicLink(ctx.config, "/api/v1");
  return {
    remedyRun: `${api}/remedy-runs/${remedy.id}`,
    reviewRun: `${api}/review-runs/${remedy.reviewRunId}`,
    patch: `${api}/remedy-runs/${remedy.id}/patch`,
    codingAgentRun: remedy.codingAgentRunId ? `${api}/coding-agent/runs/${remedy.codingAgentRunId}` : null,
    followUpReviewRun: remedy.followUpReviewRunId ? `${api}/review-runs/${remedy.followUpReviewRunId}` : null,
  };
}

/** The remedy if the principal may see its installation (its review run is visible); otherwise 404. */
export async function getVisibleRemedy(ctx: ServiceContext, id: string): Promise<RemedyRow> {
  const remedy = await findRemedy(ctx, id);
  if (!remedy || !(await canSeeInstallation(ctx, ctx.principal, remedy.installationId))) throw notFound(`Remedy run ${id}`);
  return remedy;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function remedyView(ctx: AppContext, remedy: RemedyRow): RemedyRunView {
  return {
    remedyRunId: remedy.id,
    object: "remedy.run",
    status: remedy.status as RemedyStatus,
    stage: remedy.stage as RemedyStage,
    reviewRunId: remedy.reviewRunId,
    repository: remedy.repository,
    pullRequestNumber: remedy.pullRequestNumber,
    headSha: remedy.headSha,
    headBranch: remedy.headBranch,
    targets: remedy.targets.map(({ summary: _summary, ...target }) => target),
    model: remedy.model,
    limits: remedy.limits,
    codingAgentRunId: remedy.codingAgentRunId,
    commitSha: remedy.commitSha,
    followUpReviewRunId: remedy.followUpReviewRunId,
    outcome: remedy.outcome as RemedyOutcome | null,
    resolvedFingerprints: remedy.resolvedFingerprints ?? [],
    remainingFingerprints: remedy.remainingFingerprints ?? [],
    failureReason: remedy.failureReason,
    creditsUsed: toCredits(remedy.creditsUsed ?? 0),
    urls: remedyUrls(ctx, remedy),
    createdAt: remedy.createdAt.toISOString(),
    updatedAt: remedy.updatedAt.toISOString(),
    startedAt: iso(remedy.startedAt),
    completedAt: iso(remedy.completedAt),
  };
}

/** `latestRemedyRun` of review-run snapshots, for a page of runs at once. */
export async function latestRemedySummaries(ctx: AppContext, reviewRunIds: string[]) {
  const latest = await latestRemedies(ctx, reviewRunIds);
  return new Map(
    [...latest].map(([reviewRunId, r]) => [
      reviewRunId,
      { id: r.id, status: r.status as RemedyStatus, stage: r.stage as RemedyStage, outcome: r.outcome as RemedyOutcome | null, commitSha: r.commitSha, followUpReviewRunId: r.followUpReviewRunId, url: remedyUrls(ctx, r).remedyRun },
    ]),
  );
}
