import type { ServiceContext } from "../../src/context.ts";
import { AppError } from "../../src/errors.ts";
import { turnJob } from "./turn-job.ts";
import { endRun } from "./lifecycle.ts";
import { BUSY_STATUSES, type RunStatus, TERMINAL_STATUSES } from "./model.ts";
import type { CodingAgentServices } from "./services.ts";
import { ownRun, type RunRow, transition } from "./store.ts";

/**
 * A follow-up prompt on a warm run: only an IDLE run takes one (the conditional update makes two simultaneous
 * follow-ups start one turn); a busy or finished run is a 409 that says why.
 */
export async function sendFollowUp(ctx: ServiceContext, runId: string, prompt: string): Promise<RunRow> {
  const run = await ownRun(ctx, runId);
  const refuse = (why: string) => new AppError("CONFLICT", `Run ${runId} cannot take a follow-up: ${why}`);
  const status = run.status as RunStatus;
  if (BUSY_STATUSES.includes(status)) throw refuse(`it is ${status}; wait for IDLE (GET the run or follow its stream)`);
  if (TERMINAL_STATUSES.includes(status)) throw refuse(`it is ${status}${run.failureReason ? ` (${run.failureReason})` : ""}; start a new run`);
  if (run.turns >= run.limits.maxTurns) throw refuse(`it reached its maxTurns limit (${run.limits.maxTurns})`);
  const started = await transition(ctx, runId, ["IDLE"], { status: "RUNNING", pendingPrompt: prompt, idleUntil: null });
  if (!started) throw refuse("another follow-up started a moment ago");
  const turn = run.turns + 1;
  await ctx.jobs.enqueue(turnJob, { runId, turn }, { dedupeKey: `coding-agent:${runId}:${turn}` });
  return started;
}

/** Cancels a run that has not ended; the turn in progress (in whichever process) notices and stops. */
export async function cancelRun(ctx: ServiceContext, services: CodingAgentServices, runId: string): Promise<RunRow> {
  const run = await ownRun(ctx, runId);
  if (TERMINAL_STATUSES.includes(run.status as RunStatus)) throw new AppError("CONFLICT", `Run ${runId} already ended (${run.status})`);
  // A run between turns has nothing running to notice the cancel: end it here. A turn in progress ends it itself,
  // after it has stopped the agent and counted its time, so the run is settled once and exactly.
  if (run.status === "IDLE") return (await endRun(ctx, services, runId, "CANCELLED", "cancelled through the API")) ?? (await ownRun(ctx, runId));
  const cancelled = await transition(ctx, runId, ["QUEUED", "PROVISIONING", "RUNNING"], { status: "CANCELLED", failureReason: "cancelled through the API", completedAt: new Date() });
  if (!cancelled) return cancelRun(ctx, services, runId);
  return cancelled;
}
