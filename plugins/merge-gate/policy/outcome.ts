import { and, desc, eq, type SQL } from "drizzle-orm";
import type { ServiceContext } from "../../../src/context.ts";
import { notFound, validation } from "../../../src/errors.ts";
import { canSeeInstallation, visibleInstallationFilter } from "../../../src/github/installations.ts";
import { getVisibleRun } from "../views.ts";

export interface PolicyOutcomeQuery {
  reviewRunId?: string;
  passportId?: string;
  repositoryFullName?: string;
  pullRequestNumber?: number;
}

/**
 * The latest merge policy evaluation of a pull request, found by review run, passport, or repository + number.
 * Same visibility rules as the runs and passports themselves: 404 for what the caller cannot see.
 */
export async function mergePolicyOutcome(ctx: ServiceContext, query: PolicyOutcomeQuery) {
  const { passports: p, policyEvaluations: e } = ctx.tables;
  let passportWhere: SQL | undefined;
  if (query.reviewRunId) {
    const run = await getVisibleRun(ctx, query.reviewRunId);
    passportWhere = and(eq(p.installationId, run.installationId), eq(p.repositoryKey, run.repositoryKey), eq(p.pullRequestNumber, run.pullRequestNumber));
  } else if (query.passportId) passportWhere = eq(p.id, query.passportId);
  else if (query.repositoryFullName && query.pullRequestNumber) {
    // A repository installed again by someone else has one passport per installation: the caller's, newest first.
    const visible = await visibleInstallationFilter(ctx, ctx.principal, p.installationId);
    if (visible === null) throw notFound("Change passport");
    passportWhere = and(visible, eq(p.repositoryKey, query.repositoryFullName.toLowerCase()), eq(p.pullRequestNumber, query.pullRequestNumber));
  } else throw validation("reviewRunId, passportId, or repositoryFullName with pullRequestNumber is required");

  const [passport] = await ctx.db.select().from(p).where(passportWhere).orderBy(desc(p.updatedAt), desc(p.id)).limit(1);
  if (!passport || !(await canSeeInstallation(ctx, ctx.principal, passport.installationId))) throw notFound("Change passport");
  const [evaluation] = await ctx.db.select().from(e).where(eq(e.passportId, passport.id)).orderBy(desc(e.createdAt), desc(e.id)).limit(1);
  if (!evaluation) throw notFound(`Merge policy evaluation for ${passport.repository}#${passport.pullRequestNumber} (none yet)`);
  return {
    passportId: passport.id,
    repository: passport.repository,
    pullRequestNumber: passport.pullRequestNumber,
    headSha: evaluation.headSha,
    outcome: evaluation.outcome as "allow" | "require_approval" | "block",
    reasons: evaluation.reasons,
    reviewRunId: evaluation.reviewRunId,
    checkpointId: evaluation.checkpointId,
    evaluatedAt: evaluation.createdAt.toISOString(),
    /** True when the head moved on since this evaluation (a newer push was not evaluated yet). */
    stale: evaluation.headSha !== passport.headSha,
  };
}
