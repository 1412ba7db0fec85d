import { createKey, revokeKey } from "../../src/auth/keys.ts";
import type { AppContext, Principal } from "../../src/context.ts";
import { MICRO_PER_CREDIT, releaseReservation, reserveCredits, settleReservation } from "../../src/credits/index.ts";
import type { RunRow } from "./store.ts";
import { sandboxCostMicro } from "./views.ts";

/**
 * What a run costs and who pays: sandbox time is held up front (the most `limits` allow) and settled to the
 * minutes used when the run ends; model tokens are metered by the Inference API itself, because the agent calls
 * it with the run's own key (scope `inference`, the run's model only, expiring with the run). With billing
 * `openrouter` that key sends the user's stored OpenRouter key upstream: tokens are recorded, not charged.
 */
export const runKeyAad = (runId: string) => `coding_agent_runs.run_key.${runId}`;

/** The most sandbox time can cost under these limits (micro-credits). */
export function sandboxHold(ctx: AppContext, limits: RunRow["limits"]): number {
  return Math.min(Math.round(limits.maxCredits * MICRO_PER_CREDIT), sandboxCostMicro(ctx, limits.maxMinutes * 60_000));
}

/**
 * Holds the sandbox worst case (402 in enforce mode when the balance cannot cover it); null when it is free.
 * The run record owns the hold, not this process (`heldBy: "record"`, never reclaimed by src/credits/reclaim.ts):
 * a run outlives the request that made it, and its own recovery (the turn job's last attempt, the idle expiry
 * job) ends it through `settleRun`, which settles the hold to the sandbox time used.
 */
export async function holdSandboxTime(ctx: AppContext, userId: string, runId: string, limits: RunRow["limits"]): Promise<string | null> {
  const amount = sandboxHold(ctx, limits);
  if (amount === 0) return null;
  const reservation = await reserveCredits(ctx, { userId, amount, reference: `coding-agent:${runId}`, heldBy: "record" });
  return reservation.id;
}

export async function releaseHold(ctx: AppContext, reservationId: string | null): Promise<void> {
  if (reservationId) await releaseReservation(ctx, reservationId);
}

/** How long a run key lives: the run's time limit plus a warm idle period per possible follow-up, capped at a day. */
function keyLifetimeMs(ctx: AppContext, limits: RunRow["limits"]): number {
  const idle = ctx.config.file.codingAgent.idleTtlSeconds * 1_000;
  return Math.min(24 * 60 * 60_000, limits.maxMinutes * 60_000 + idle * limits.maxTurns + 5 * 60_000);
}

export async function mintRunKey(ctx: AppContext, principal: Principal, runId: string, model: string, billing: string, limits: RunRow["limits"]): Promise<{ id: string; sealed: string }> {
  const key = await createKey(ctx, {
    name: `coding-agent run ${runId}`,
    user: principal.userName,
    scopes: ["inference"],
    allowedModels: [model],
    expiresAt: new Date(Date.now() + keyLifetimeMs(ctx, limits)),
    upstreamCredential: billing === "openrouter" ? "openrouter" : null,
  });
  return { id: key.id, sealed: ctx.secrets.encrypt(runKeyAad(runId), key.key) };
}

export function openRunKey(ctx: AppContext, run: RunRow): string {
  return ctx.secrets.decrypt(runKeyAad(run.id), run.runKey!);
}

/** Ends what a finished run holds: its key stops working, the sandbox hold is settled to the time used. Idempotent. */
export async function settleRun(ctx: AppContext, run: RunRow): Promise<number> {
  // revokeKey is idempotent and drops the key from this process's cache itself.
  if (run.runKeyId) await revokeKey(ctx, run.runKeyId);
  const cost = sandboxCostMicro(ctx, run.sandboxMs);
  if (run.reservationId) await settleReservation(ctx, { reservationId: run.reservationId, amount: cost });
  return cost;
}
