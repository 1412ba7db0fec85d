import type { AppContext, ServiceContext } from "../../src/context.ts";
import { cancelRun, sendFollowUp } from "./control.ts";
import { endRun } from "./lifecycle.ts";
import type { CreateRunInput, RunStatus } from "./model.ts";
import { sandboxHold } from "./billing.ts";
import { chooseModel, createRun, type InternalRunOptions } from "./runs.ts";
import { servicesOf } from "./services.ts";
import { findRun } from "./store.ts";
import { creditsUsedMicro, runUrls } from "./views.ts";

/**
 * What other surfaces (the merge gate's remedy) may do with coding-agent runs. They go through these functions,
 * never the tables, so the run's rules (limits, billing, one turn at a time) hold for them as for the REST API.
 */
export interface AgentRunState {
  id: string;
  status: RunStatus;
  turns: number;
  maxTurns: number;
  /** Files changed against the base after the last turn (0 when the agent changed nothing). */
  filesChanged: number;
  commitSha: string | null;
  failureReason: string | null;
  summary: string | null;
  creditsUsedMicro: number;
  patchUrl: string;
}

export const startAgentRun = (ctx: ServiceContext, input: CreateRunInput, idempotencyKey: string, options: InternalRunOptions) =>
  createRun(ctx, servicesOf(ctx), input, idempotencyKey, options);

export async function agentRunState(ctx: AppContext, runId: string): Promise<AgentRunState | undefined> {
  const run = await findRun(ctx, runId);
  if (!run) return undefined;
  return {
    id: run.id,
    status: run.status as RunStatus,
    turns: run.turns,
    maxTurns: run.limits.maxTurns,
    filesChanged: run.diffstat?.files ?? 0,
    commitSha: run.commitSha,
    failureReason: run.failureReason,
    summary: run.summary,
    creditsUsedMicro: await creditsUsedMicro(ctx, run),
    patchUrl: runUrls(ctx, run.id).patch,
  };
}

/** The run's patch against its base (null before the first turn finished). */
export async function agentRunPatch(ctx: AppContext, runId: string): Promise<string | null> {
  return (await findRun(ctx, runId))?.patch ?? null;
}

export const followUpAgentRun = (ctx: ServiceContext, runId: string, prompt: string) => sendFollowUp(ctx, runId, prompt);

export const cancelAgentRun = (ctx: ServiceContext, runId: string) => cancelRun(ctx, servicesOf(ctx), runId);

/** Ends an IDLE run whose work the caller has taken (its warm sandbox is released at once, not at the idle TTL). */
export async function completeAgentRun(ctx: AppContext, runId: string, reason: string): Promise<void> {
  const run = await findRun(ctx, runId);
  if (run?.status === "IDLE") await endRun(ctx, servicesOf(ctx), runId, "COMPLETED", reason);
}

/** The model a run would use (the given one, else the server's default); a clear 422/503 when there is none. */
export const agentModel = (ctx: AppContext, id: string | undefined) => chooseModel(ctx, id).id;

/** Whether runs can start on this server at all (e.g. bubblewrap or OpenCode missing), and why not. */
export const agentAvailability = (ctx: AppContext) => servicesOf(ctx).provider.availability();

/** The server's run limits (a run may only lower them). */
export const agentLimits = (ctx: AppContext) => ctx.config.file.codingAgent.limits;

/** The sandbox time a run with these limits holds up front (micro-credits). */
export const agentHold = (ctx: AppContext, limits: { maxMinutes: number; maxCredits: number; maxTurns: number }) => sandboxHold(ctx, limits);
