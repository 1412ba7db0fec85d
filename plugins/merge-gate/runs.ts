import { and, eq, inArray } from "drizzle-orm";
import type { AppContext, ServiceContext } from "../../src/context.ts";
import { creditsMode, getBalance, MICRO_PER_CREDIT, toCredits } from "../../src/credits/index.ts";
import { AppError } from "../../src/errors.ts";
import { newId } from "../../src/ids.ts";
import { assertWebhookUrl } from "../../src/webhooks/index.ts";
import { announceRun } from "./events.ts";
import { type RepositoryRef, resolveVisibleRepository } from "../../src/github/installations.ts";
import type { QueueReviewInput, RunStatus } from "./model.ts";
import { TERMINAL_STATUSES } from "./model.ts";
import { ensurePassport } from "./passports/service.ts";
import { reviewJob } from "./pipeline/review-job.ts";
import { archiveExecution } from "./run-history.ts";

export type RunRow = typeof import("../../db/sqlite.ts").reviewRuns.$inferSelect;

const DEFAULT_EVENTS = ["review.completed", "review.failed"];

export interface QueuedReview {
  run: RunRow;
  /** False when an identical run was already queued or in progress and is returned as is. */
  enqueued: boolean;
}

/**
 * Queues a review of (repository, pull request, head SHA) for the calling user. Deduplicated on that triple within
 * the repository's current installation: a run still queued or in progress is returned unchanged; a terminal run
 * is re-run under the same id (its previous execution is archived). A run of an earlier installation of the same
 * repository (uninstalled, then installed again by someone else) is never reused: it belongs to that tenant.
 */
export async function queueReview(ctx: ServiceContext, input: QueueReviewInput): Promise<QueuedReview> {
  const repository = await resolveVisibleRepository(ctx, ctx.principal, input.repositoryFullName);
  if (input.webhook) await assertWebhookUrl(ctx, input.webhook.url, "webhook.url");
  await assertCanPay(ctx, ctx.principal.userId);
  return enqueueRun(ctx, { repository, userId: ctx.principal.userId, trigger: "api", pullRequestNumber: input.pullRequestNumber, headSha: input.headSha, title: input.pullRequestTitle, webhook: input.webhook });
}

/** The configured per-run price of a review (before model tokens), in micro-credits. */
export const reviewBaseCost = (ctx: AppContext) => Math.round(ctx.config.file.review.costPerRun * MICRO_PER_CREDIT);

/**
 * In enforce mode a review the balance cannot cover is refused up front (402) rather than failing later. The
 * run itself reserves and settles the real cost when it executes.
 */
async function assertCanPay(ctx: AppContext, userId: string) {
  if (creditsMode(ctx) !== "enforce") return;
  const cost = reviewBaseCost(ctx);
  const { available } = await getBalance(ctx, userId);
  if (available < cost) throw new AppError("INSUFFICIENT_CREDITS", `Insufficient credits: a review costs at least ${toCredits(cost)}, available ${toCredits(available)}`);
}

export interface RunRequest {
  repository: RepositoryRef;
  /** Who asked (and pays): for GitHub-triggered reviews the installation's billing user, or null when it has none. */
  userId: string | null;
  trigger: "api" | "github";
  pullRequestNumber: number;
  headSha: string;
  title?: string | null;
  webhook?: { url: string; secret: string; events?: string[] };
}

/** The shared path of REST, MCP and GitHub-triggered reviews: insert or dedupe, then enqueue the job. */
export async function enqueueRun(ctx: AppContext, request: RunRequest): Promise<QueuedReview> {
  const headSha = request.headSha.toLowerCase();
  const t = ctx.tables.reviewRuns;
  const now = new Date();
  const id = newId();
  const seal = async (runId: string) =>
    request.webhook ? { url: request.webhook.url, events: request.webhook.events ?? DEFAULT_EVENTS, secret: await ctx.secrets.encrypt(`review_runs.webhook.${runId}`, request.webhook.secret) } : null;

  const passport = await ensurePassport(ctx, { installationId: request.repository.installationId, repository: request.repository.fullName, repositoryKey: request.repository.key, pullRequestNumber: request.pullRequestNumber, headSha, title: request.title });
  const inserted = await ctx.db
    .insert(t)
    .values({
      id,
      changePassportId: passport.id,
      userId: request.userId,
      installationId: request.repository.installationId,
      repository: request.repository.fullName,
      repositoryKey: request.repository.key,
      pullRequestNumber: request.pullRequestNumber,
      headSha,
      pullRequestTitle: request.title ?? null,
      status: "QUEUED",
      trigger: request.trigger,
      webhook: await seal(id),
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning();
  if (inserted.length) {
    await ctx.jobs.enqueue(reviewJob, { runId: id, execution: 1 }, { dedupeKey: `review:${id}:1` });
    await announceRun(ctx, inserted[0]);
    return { run: inserted[0], enqueued: true };
  }

  const [existing] = await ctx.db
    .select()
    .from(t)
    .where(and(eq(t.installationId, request.repository.installationId), eq(t.repositoryKey, request.repository.key), eq(t.pullRequestNumber, request.pullRequestNumber), eq(t.headSha, headSha)));
  if (!(TERMINAL_STATUSES as readonly string[]).includes(existing.status)) return { run: existing, enqueued: false };
  return rerun(ctx, existing, request, request.webhook ? await seal(existing.id) : undefined);
}

/** Re-runs a terminal run in place. The conditional update makes two simultaneous re-run requests start one run. */
async function rerun(ctx: AppContext, existing: RunRow, request: RunRequest, webhook: RunRow["webhook"] | undefined): Promise<QueuedReview> {
  const t = ctx.tables.reviewRuns;
  const execution = existing.execution + 1;
  const [updated] = await ctx.database.transaction(async (tx) => {
    const rows = await tx
      .update(t)
      .set({
        status: "QUEUED",
        execution,
        verdict: null,
        summary: null,
        riskBand: null,
        riskScore: null,
        failureReason: null,
        coverage: null,
        creditsCharged: null,
        startedAt: null,
        completedAt: null,
        // This execution's payer: an automatic re-run with no billing user is unbilled, not charged to an earlier caller.
        userId: request.userId,
        trigger: request.trigger,
        pullRequestTitle: request.title ?? existing.pullRequestTitle,
        ...(webhook !== undefined ? { webhook } : {}),
        updatedAt: new Date(),
      })
      .where(and(eq(t.id, existing.id), eq(t.execution, existing.execution), inArray(t.status, [...TERMINAL_STATUSES])))
      .returning();
    if (rows.length) await archiveExecution(tx, ctx.tables, existing);
    return rows;
  });
  if (!updated) {
    // Someone else re-ran it a moment ago: answer with that run.
    const [current] = await ctx.db.select().from(t).where(eq(t.id, existing.id));
    return { run: current, enqueued: false };
  }
  await ctx.jobs.enqueue(reviewJob, { runId: existing.id, execution }, { dedupeKey: `review:${existing.id}:${execution}` });
  await announceRun(ctx, updated);
  return { run: updated, enqueued: true };
}

export async function findRun(ctx: AppContext, id: string): Promise<RunRow | undefined> {
  const t = ctx.tables.reviewRuns;
  const [row] = await ctx.db.select().from(t).where(eq(t.id, id));
  return row;
}

/** The installation's run of (pull request, head SHA), in whatever state, if there is one. */
export async function findRunOf(ctx: AppContext, of: { installationId: string; repositoryKey: string; pullRequestNumber: number; headSha: string }): Promise<RunRow | undefined> {
  const t = ctx.tables.reviewRuns;
  const [row] = await ctx.db
    .select()
    .from(t)
    .where(and(eq(t.installationId, of.installationId), eq(t.repositoryKey, of.repositoryKey), eq(t.pullRequestNumber, of.pullRequestNumber), eq(t.headSha, of.headSha.toLowerCase())));
  return row;
}

/** Moves a run to a new status only from the statuses given (so a late writer cannot resurrect a cancelled run). */
export async function transitionRun(ctx: AppContext, id: string, execution: number, from: RunStatus[], patch: Partial<RunRow>): Promise<RunRow | undefined> {
  const t = ctx.tables.reviewRuns;
  const [row] = await ctx.db
    .update(t)
    .set({ ...patch, updatedAt: new Date() })
    .where(and(eq(t.id, id), eq(t.execution, execution), inArray(t.status, from)))
    .returning();
  return row;
}
