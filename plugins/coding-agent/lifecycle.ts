import { and, eq, isNull } from "drizzle-orm";
import type { AppContext } from "../../src/context.ts";
import { settleRun } from "./billing.ts";
import { appendEvent } from "./events.ts";
import { type RunStatus, TERMINAL_STATUSES } from "./model.ts";
import type { CodingAgentServices } from "./services.ts";
import { findRun, type RunRow, transition } from "./store.ts";
import { announceRun } from "./webhooks.ts";

/**
 * Ends a run: the status change (only from a non-terminal status, so the first ending wins), then what follows
 * every ending once: the sandbox hold settled and the run key revoked, the `end` event, webhooks, and the
 * sandbox stopped if this process holds it.
 */
export async function endRun(ctx: AppContext, services: CodingAgentServices, runId: string, status: Exclude<RunStatus, "QUEUED" | "PROVISIONING" | "RUNNING" | "IDLE">, reason: string): Promise<RunRow | undefined> {
  const from = (["QUEUED", "PROVISIONING", "RUNNING", "IDLE"] as RunStatus[]);
  const ended = await transition(ctx, runId, from, { status, failureReason: reason, completedAt: new Date(), idleUntil: null, pendingPrompt: null });
  // Already ended by someone else (a cancel that raced this ending): make sure that ending is finished too.
  const run = ended ?? (await findRun(ctx, runId));
  if (run) await finishEnded(ctx, services, run);
  return ended ? findRun(ctx, runId) : undefined;
}

/** An IDLE run whose warm period is over: COMPLETED, its sandbox released (the expiry job, or the holder's sweep). */
export function completeIdleRun(ctx: AppContext, services: CodingAgentServices, runId: string, turn: number): Promise<RunRow | undefined> {
  return endRun(ctx, services, runId, "COMPLETED", `idle for ${ctx.config.file.codingAgent.idleTtlSeconds} s after turn ${turn}: the warm sandbox was released`);
}

/**
 * What follows an ending; safe to repeat. Settling is idempotent, and recording the sandbox cost (only while it is
 * unset) decides which caller writes the `end` event and the webhooks, so they happen once.
 */
export async function finishEnded(ctx: AppContext, services: CodingAgentServices, run: RunRow): Promise<void> {
  if (!TERMINAL_STATUSES.includes(run.status as RunStatus)) return;
  await services.provider.find(run.id)?.stop();
  await services.provider.discard(run.id, run.sandboxOwner, run.sandboxId);
  const cost = await settleRun(ctx, run);
  const t = ctx.tables.codingAgentRuns;
  const [settled] = await ctx.db
    .update(t)
    .set({ sandboxCost: cost, updatedAt: new Date() })
    .where(and(eq(t.id, run.id), isNull(t.sandboxCost)))
    .returning();
  if (!settled) return;
  await appendEvent(ctx, run.id, "end", { status: run.status, reason: run.failureReason });
  await announceRun(ctx, settled);
  ctx.log.info({ runId: run.id, status: run.status, reason: run.failureReason, turns: run.turns }, "coding agent run ended");
}
