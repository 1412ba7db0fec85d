import { eq } from "drizzle-orm";
import type { AppContext, ServiceContext } from "../../../src/context.ts";
import { notFound } from "../../../src/errors.ts";
import { newId } from "../../../src/ids.ts";
import { canSeeInstallation, type RepositoryRef, resolveVisibleRepository } from "../../../src/github/installations.ts";
import { checkpointUrl, passportUrls } from "../links.ts";
import type { QueueReviewInput } from "../model.ts";
import { ensurePassport } from "../passports/service.ts";
import { checkpointJob } from "./checkpoint-job.ts";
import type { FiredRule } from "./rules.ts";

export type CheckpointRow = typeof import("../../../db/sqlite.ts").checkpoints.$inferSelect;

/** On-demand checkpoint (same body as a review). Cheap and deterministic: never deduplicated, each call evaluates. */
export async function queueCheckpoint(ctx: ServiceContext, input: Pick<QueueReviewInput, "repositoryFullName" | "pullRequestNumber" | "headSha" | "pullRequestTitle">) {
  const repository = await resolveVisibleRepository(ctx, ctx.principal, input.repositoryFullName);
  return enqueueCheckpoint(ctx, { repository, userId: ctx.principal.userId, trigger: "api", pullRequestNumber: input.pullRequestNumber, headSha: input.headSha, title: input.pullRequestTitle });
}

export async function enqueueCheckpoint(
  ctx: AppContext,
  request: { repository: RepositoryRef; userId: string | null; trigger: "api" | "github"; pullRequestNumber: number; headSha: string; title?: string | null },
): Promise<CheckpointRow> {
  const headSha = request.headSha.toLowerCase();
  const passport = await ensurePassport(ctx, { installationId: request.repository.installationId, repository: request.repository.fullName, repositoryKey: request.repository.key, pullRequestNumber: request.pullRequestNumber, headSha, title: request.title });
  const row: CheckpointRow = {
    id: newId(),
    userId: request.userId,
    installationId: request.repository.installationId,
    repository: request.repository.fullName,
    repositoryKey: request.repository.key,
    pullRequestNumber: request.pullRequestNumber,
    headSha,
    status: "QUEUED",
    outcome: null,
    rules: null,
    failureReason: null,
    trigger: request.trigger,
    changePassportId: passport.id,
    createdAt: new Date(),
    completedAt: null,
  };
  await ctx.db.insert(ctx.tables.checkpoints).values(row);
  await ctx.jobs.enqueue(checkpointJob, { checkpointId: row.id }, { dedupeKey: `checkpoint:${row.id}` });
  return row;
}

export async function getVisibleCheckpoint(ctx: ServiceContext, id: string): Promise<CheckpointRow> {
  const [row] = await ctx.db.select().from(ctx.tables.checkpoints).where(eq(ctx.tables.checkpoints.id, id));
  if (!row || !(await canSeeInstallation(ctx, ctx.principal, row.installationId))) throw notFound(`Checkpoint ${id}`);
  return row;
}

export function checkpointView(ctx: AppContext, row: CheckpointRow) {
  return {
    checkpointId: row.id,
    status: row.status as "QUEUED" | "COMPLETED" | "FAILED",
    outcome: row.outcome as "block" | "warn" | "pass" | null,
    rules: (row.rules ?? []) as FiredRule[],
    repository: row.repository,
    pullRequestNumber: row.pullRequestNumber,
    headSha: row.headSha,
    changePassportId: row.changePassportId,
    trigger: row.trigger as "api" | "github",
    failureReason: row.failureReason,
    createdAt: row.createdAt.toISOString(),
    completedAt: row.completedAt?.toISOString() ?? null,
    urls: { checkpoint: checkpointUrl(ctx, row.id), passport: row.changePassportId ? passportUrls(ctx, row.changePassportId).passport : null },
  };
}
