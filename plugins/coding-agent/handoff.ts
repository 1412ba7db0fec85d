import { and, desc, eq } from "drizzle-orm";
import type { AppContext } from "../../src/context.ts";
import { holderIsGone } from "./holder.ts";
import { endRun } from "./lifecycle.ts";
import type { CodingAgentServices } from "./services.ts";
import { findRun, type RunRow } from "./store.ts";

/** How long a process that got a follow-up for another process's local sandbox waits for that process to start it. */
const PICKUP_MS = 15_000;

/**
 * A follow-up's job reached a process that does not hold the run's local sandbox: the holder picks pending turns
 * up itself (reaper.ts); this one only makes sure that happens, and ends the run FAILED with the reason when the
 * holder is gone (dead on this machine) or does not start the turn in time.
 */
export async function handOffTurn(ctx: AppContext, services: CodingAgentServices, run: RunRow, turn: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + PICKUP_MS;
  for (;;) {
    const current = await findRun(ctx, run.id);
    if (current?.status !== "RUNNING" || current.turns >= turn || (await turnStarted(ctx, run.id, turn))) return;
    if (holderIsGone(current.sandboxOwner)) {
      await endRun(ctx, services, run.id, "FAILED", `the server process that held this run's warm sandbox is gone; turn ${turn} could not start`);
      return;
    }
    if (Date.now() > deadline || signal.aborted) {
      await endRun(ctx, services, run.id, "FAILED", `the server process that holds this run's warm sandbox did not start turn ${turn} within ${PICKUP_MS / 1000} s`);
      return;
    }
    await Bun.sleep(200);
  }
}

async function turnStarted(ctx: AppContext, runId: string, turn: number): Promise<boolean> {
  const e = ctx.tables.codingAgentEvents;
  const [last] = await ctx.db
    .select({ data: e.data })
    .from(e)
    .where(and(eq(e.runId, runId), eq(e.type, "turn.started")))
    .orderBy(desc(e.seq))
    .limit(1);
  return Number(last?.data.turn) >= turn;
}
