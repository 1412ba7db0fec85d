import type { AppContext } from "../../src/context.ts";
import type { JobAttempt } from "../../src/jobs/index.ts";
import { deliverTurn, savePatch } from "./deliver.ts";
import { expireJob } from "./expire-job.ts";
import { appendEvent } from "./events.ts";
import { endRun, finishEnded } from "./lifecycle.ts";
import { type RunStatus, TERMINAL_STATUSES } from "./model.ts";
import { provisionRun } from "./provision.ts";
import { awaitOpencodeIdle, runOpencodeTurn } from "./runtime/opencode.ts";
import type { Sandbox } from "./sandbox/provider.ts";
import type { CodingAgentServices } from "./services.ts";
import { findRun, type RunRow, transition, updateRun } from "./store.ts";
import { TurnWatch } from "./turn-watch.ts";
import { announceRun } from "./webhooks.ts";
import { Workspace } from "./workspace.ts";

/**
 * One turn of a run (the first prompt, or a follow-up), as a job. It never throws: every way a turn can end is an
 * outcome of the run (IDLE, FAILED, EXPIRED, CANCELLED) with a reason, and the patch so far is always kept.
 */
export async function runTurn(ctx: AppContext, services: CodingAgentServices, runId: string, turn: number, attempt: JobAttempt): Promise<void> {
  // Claimed before the first await: the job and the reaper (routed follow-ups) may both try to start it here.
  if (services.activeTurns.has(runId)) return;
  services.activeTurns.add(runId);
  try {
    await runClaimedTurn(ctx, services, runId, turn, attempt);
  } finally {
    services.activeTurns.delete(runId);
  }
}

async function runClaimedTurn(ctx: AppContext, services: CodingAgentServices, runId: string, turn: number, attempt: JobAttempt): Promise<void> {
  const run = await findRun(ctx, runId);
  if (!run || run.turns >= turn) return;
  if (TERMINAL_STATUSES.includes(run.status as RunStatus)) return finishEnded(ctx, services, run);
  if (attempt.attempt > 1 && run.status !== "QUEUED") {
    // The worker that ran this turn died with its process. A remote sandbox may have carried on: pick the turn up.
    if (await resumeTurn(ctx, services, run, turn, attempt)) return;
    await endRun(ctx, services, runId, "FAILED", `the server stopped during turn ${turn}; the turn did not finish (the patch of earlier turns is kept)`);
    return;
  }
  // When sandbox time starts to count (moved past any wait for a start slot below).
  let started = Date.now();
  const watch = new TurnWatch(ctx, run, attempt.signal, Boolean(services.provider.reattach));
  let sandbox: Sandbox | undefined;
  let current = run;
  try {
    if (turn === 1) {
      if (!(await transition(ctx, runId, ["QUEUED"], { status: "PROVISIONING" }))) {
        // Cancelled between the read above and now: the cancel left finishing the run to this turn.
        const latest = await findRun(ctx, runId);
        if (latest) await finishEnded(ctx, services, latest);
        return;
      }
      ({ sandbox, run: current } = await provisionRun(ctx, services, run));
      const timings = sandbox.startTimings && { queuedMs: Math.round(sandbox.startTimings.queuedMs), sandboxReadyMs: Math.round(sandbox.startTimings.sandboxMs), agentReadyMs: Math.round(sandbox.startTimings.agentMs) };
      started += sandbox.startTimings?.queuedMs ?? 0;
      const running = await transition(ctx, runId, ["PROVISIONING"], { status: "RUNNING", startedAt: new Date() }, { provisioningMs: Date.now() - started, ...timings });
      if (!running) return void (await finish(ctx, services, runId, started, watch));
      current = running;
    } else {
      sandbox = services.provider.find(runId) ?? (current.sandboxId ? await services.provider.reattach?.(runId, current.sandboxId) : undefined);
      if (!sandbox?.running) throw new Error("the warm sandbox is gone (the server restarted or the sandbox stopped)");
    }
    const prompt = turn === 1 ? current.prompt : (current.pendingPrompt ?? "");
    await appendEvent(ctx, runId, "turn.started", { turn, prompt });
    watch.start(started);
    const model = ctx.models.get(current.model);
    const outcome = await runOpencodeTurn(sandbox, current.agentSessionId!, model, prompt, (type, data) => appendEvent(ctx, runId, type, data).then(() => undefined), watch.signal);
    if (watch.stopReason?.handover) return;
    current = await updateRun(ctx, runId, { summary: outcome.summary ?? current.summary });
    if (watch.stopReason || outcome.error) {
      await keepPatch(ctx, current, sandbox, turn);
      if (watch.stopReason) return void (await finish(ctx, services, runId, started, watch));
      throw new AgentReportedError(outcome.error!);
    }
    current = await deliverTurn(ctx, current, new Workspace(sandbox), turn);
    await idle(ctx, services, current, turn, started);
  } catch (error) {
    if (watch.stopReason?.handover) return;
    if (sandbox) await keepPatch(ctx, current, sandbox, turn);
    if (watch.stopReason) return void (await finish(ctx, services, runId, started, watch));
    const message = (error as Error).message || String(error);
    if (!(error instanceof AgentReportedError)) await appendEvent(ctx, runId, "error", { message }).catch(() => undefined);
    await addTime(ctx, runId, started);
    await endRun(ctx, services, runId, "FAILED", message.slice(0, 1_000));
  } finally {
    watch.stop();
  }
}

/**
 * A turn whose server died, on a sandbox that outlived it (E2B): reconnect by id, wait for the agent to finish,
 * then deliver as usual. False when there is nothing to resume (a local sandbox died with its process).
 */
async function resumeTurn(ctx: AppContext, services: CodingAgentServices, run: RunRow, turn: number, attempt: JobAttempt): Promise<boolean> {
  if (run.status !== "RUNNING" || !run.sandboxId || !run.agentSessionId || !services.provider.reattach) return false;
  const sandbox = await services.provider.reattach(run.id, run.sandboxId);
  if (!sandbox) return false;
  const started = Date.now();
  const watch = new TurnWatch(ctx, run, attempt.signal, true);
  try {
    await appendEvent(ctx, run.id, "status", { status: "RUNNING", resumed: true, reason: `reconnected to sandbox ${run.sandboxId} after a server restart` });
    watch.start(started);
    const outcome = await awaitOpencodeIdle(sandbox, run.agentSessionId, (type, data) => appendEvent(ctx, run.id, type, data).then(() => undefined), watch.signal);
    if (watch.stopReason?.handover) return true;
    if (watch.stopReason) await finish(ctx, services, run.id, started, watch);
    else if (outcome.error) await endRun(ctx, services, run.id, "FAILED", outcome.error);
    else {
      const current = await deliverTurn(ctx, await updateRun(ctx, run.id, { summary: outcome.summary ?? run.summary }), new Workspace(sandbox), turn);
      await idle(ctx, services, current, turn, started);
    }
  } catch (error) {
    if (watch.stopReason?.handover) return true;
    await endRun(ctx, services, run.id, "FAILED", `could not resume turn ${turn} after a server restart: ${(error as Error).message}`.slice(0, 1_000));
  } finally {
    watch.stop();
  }
  return true;
}

/** A failure the agent itself reported: its `error` event is already in the stream. */
class AgentReportedError extends Error {}

/** The patch as far as the turn got (a failed delivery must not lose it). */
async function keepPatch(ctx: AppContext, run: RunRow, sandbox: Sandbox, turn: number) {
  try {
    const { patch, diffstat } = await new Workspace(sandbox).patch();
    if (patch !== run.patch) await savePatch(ctx, run.id, turn, patch, diffstat);
  } catch (error) {
    ctx.log.warn({ err: error, runId: run.id }, "coding agent: could not take the patch out of the workspace");
  }
}

async function addTime(ctx: AppContext, runId: string, started: number) {
  const run = await findRun(ctx, runId);
  if (run) await updateRun(ctx, runId, { sandboxMs: run.sandboxMs + (Date.now() - started) });
}

/** A turn stopped from outside (cancel, a limit, shutdown): count its time, then end the run accordingly. */
async function finish(ctx: AppContext, services: CodingAgentServices, runId: string, started: number, watch: TurnWatch) {
  // Shutting down with a sandbox that lives on: the job goes back to the queue and the next process resumes the turn.
  if (watch.stopReason?.handover) return;
  await addTime(ctx, runId, started);
  const run = await findRun(ctx, runId);
  if (!run) return;
  if (TERMINAL_STATUSES.includes(run.status as RunStatus)) return finishEnded(ctx, services, run);
  const reason = watch.stopReason ?? { status: "FAILED" as const, reason: "the turn was interrupted" };
  await endRun(ctx, services, runId, reason.status, reason.reason);
}

/** The turn is done: the sandbox stays warm for follow-ups until the idle TTL. */
async function idle(ctx: AppContext, services: CodingAgentServices, run: RunRow, turn: number, started: number) {
  const ttlMs = ctx.config.file.codingAgent.idleTtlSeconds * 1_000;
  const idleUntil = new Date(Date.now() + ttlMs);
  const latest = (await findRun(ctx, run.id))!;
  const idled = await transition(ctx, run.id, ["RUNNING"], { status: "IDLE", turns: turn, pendingPrompt: null, idleUntil, sandboxMs: latest.sandboxMs + (Date.now() - started) });
  if (!idled) return void (await finishEnded(ctx, services, (await findRun(ctx, run.id))!));
  await appendEvent(ctx, run.id, "turn.completed", { turn, summary: idled.summary });
  await announceRun(ctx, idled);
  await ctx.jobs.enqueue(expireJob, { runId: run.id, turn }, { runAt: idleUntil, dedupeKey: `coding-agent-expire:${run.id}:${turn}` });
}
