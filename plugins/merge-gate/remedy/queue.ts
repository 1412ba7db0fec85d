import { eq } from "drizzle-orm";
import type { ServiceContext } from "../../../src/context.ts";
import { creditsMode, getBalance, toCredits } from "../../../src/credits/index.ts";
import { AppError } from "../../../src/errors.ts";
import { newId } from "../../../src/ids.ts";
import { agentAvailability, agentHold, agentLimits, agentModel } from "../../coding-agent/api.ts";
import { getVisibleRun } from "../views.ts";
import { remedyJob } from "./job.ts";
import type { QueueRemedyInput } from "./model.ts";
import { recordRemedy } from "./record.ts";
import type { RemedyRow } from "./store.ts";
import { chooseTargets } from "./targets.ts";

export interface QueuedRemedy {
  remedy: RemedyRow;
  /** False when the pull request already had an active remedy, returned as it is. */
  enqueued: boolean;
}

/** The remedy's limits: the server's remedy defaults (within the coding agent's), lowered by the request. */
function limitsFor(ctx: ServiceContext, requested: QueueRemedyInput["limits"]): RemedyRow["limits"] {
  const remedy = ctx.config.file.remedy.limits;
  const agent = agentLimits(ctx);
  const server = { maxMinutes: Math.min(remedy.maxMinutes, agent.maxMinutes), maxCredits: Math.min(remedy.maxCredits, agent.maxCredits), maxTurns: Math.min(remedy.maxTurns, agent.maxTurns) };
  const limits = { ...server };
  for (const name of ["maxMinutes", "maxCredits", "maxTurns"] as const) {
    const value = requested?.[name];
    if (value === undefined) continue;
    if (value > server[name]) throw new AppError("VALIDATION", `limits.${name}: at most ${server[name]} for a remedy on this server`);
    limits[name] = value;
  }
  return limits;
}

/**
 * Queues a remedy of a COMPLETED review run. Everything is checked before anything is written; one remedy is
 * active per pull request (the unique active slot), so asking again while one runs returns that one.
 */
export async function queueRemedy(ctx: ServiceContext, reviewRunId: string, input: QueueRemedyInput, retried = false): Promise<QueuedRemedy> {
  const run = await getVisibleRun(ctx, reviewRunId);
  if (run.status !== "COMPLETED") throw new AppError("CONFLICT", `Review run ${run.id} is ${run.status}: a remedy starts from a COMPLETED review (poll the run until it is)`);
  const targets = await chooseTargets(ctx, run.id, input);
  const limits = limitsFor(ctx, input.limits);
  const { usable, reason } = agentAvailability(ctx);
  if (!usable) throw new AppError("UNAVAILABLE", `Remedy runs cannot start on this server: ${reason}`);
  const model = agentModel(ctx, input.model ?? ctx.config.file.remedy.model);
  await assertCanPay(ctx, limits);

  const t = ctx.tables.remedyRuns;
  const now = new Date();
  // One active remedy per pull request and installation: after a reinstall by someone else, the earlier tenant's
  // remedy is neither returned to nor blocks the new one (two pushes onto one branch still cannot both land: each
  // needs the branch at its reviewed SHA).
  const slot = `${run.installationId}:${run.repositoryKey}#${run.pullRequestNumber}`;
  const [inserted] = await ctx.db
    .insert(t)
    .values({
      id: newId(),
      reviewRunId: run.id,
      reviewExecution: run.execution,
      userId: ctx.principal.userId,
      installationId: run.installationId,
      repository: run.repository,
      repositoryKey: run.repositoryKey,
      pullRequestNumber: run.pullRequestNumber,
      headSha: run.headSha,
      changePassportId: run.changePassportId,
      status: "QUEUED",
      stage: "queued",
      targets,
      model,
      limits,
      activeSlot: slot,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning();
  if (!inserted) {
    const [active] = await ctx.db.select().from(t).where(eq(t.activeSlot, slot));
    if (active) return { remedy: active, enqueued: false };
    // The active one ended a moment ago: this request starts the next (once; a second conflict is a real error).
    if (!retried) return queueRemedy(ctx, reviewRunId, input, true);
    throw new AppError("CONFLICT", `Pull request #${run.pullRequestNumber} of ${run.repository} has a remedy starting or ending right now; try again`);
  }
  await ctx.jobs.enqueue(remedyJob, { remedyId: inserted.id }, { dedupeKey: `remedy:${inserted.id}:start` });
  await recordRemedy(ctx, inserted);
  ctx.log.info({ remedyRunId: inserted.id, reviewRunId: run.id, targets: targets.length, model }, "remedy queued");
  return { remedy: inserted, enqueued: true };
}

/** In enforce mode a remedy whose fix run could not hold its sandbox time is refused up front (402). */
async function assertCanPay(ctx: ServiceContext, limits: RemedyRow["limits"]) {
  if (creditsMode(ctx) !== "enforce") return;
  const needed = agentHold(ctx, limits);
  const { available } = await getBalance(ctx, ctx.principal.userId);
  if (available < needed || available <= 0) throw new AppError("INSUFFICIENT_CREDITS", `Insufficient credits: a remedy holds ${toCredits(needed)} for its sandbox time, available ${toCredits(available)}`);
}
