import { and, inArray } from "drizzle-orm";
import type { AppContext } from "../../src/context.ts";
import { completeIdleRun, endRun, finishEnded } from "./lifecycle.ts";
import { runTurn } from "./turn.ts";
import { type RunStatus, TERMINAL_STATUSES } from "./model.ts";
import type { CodingAgentServices } from "./services.ts";

/** Often enough that a follow-up sent to another process starts here within about this long. */
const EVERY_MS = 250;

/**
 * Keeps the sandboxes this process holds in step with their rows: a run ended elsewhere (cancelled through another
 * process) has its sandbox stopped here; a follow-up another process took in starts here; a run idle past its TTL is
 * completed even if its expiry job was lost.
 * At shutdown, idle runs with local sandboxes are completed (those cannot outlive the process).
 */
export function startReaper(ctx: AppContext, services: CodingAgentServices) {
  const t = ctx.tables.codingAgentRuns;
  const held = async () => {
    const ids = services.provider.heldRunIds();
    return ids.length ? ctx.db.select().from(t).where(and(inArray(t.id, ids), inArray(t.status, ["RUNNING", "IDLE", ...TERMINAL_STATUSES]))) : [];
  };
  let sweeping: Promise<void> | undefined;
  const shutdown = new AbortController();
  const sweep = async () => {
    for (const run of await held()) {
      if (!services.provider.find(run.id) || services.activeTurns.has(run.id)) continue;
      if (TERMINAL_STATUSES.includes(run.status as RunStatus)) await finishEnded(ctx, services, run);
      else if (services.provider.name === "local" && run.status === "RUNNING" && run.pendingPrompt !== null) {
        // A follow-up another process took in, for the local sandbox held here: run it here (runTurn ignores a
        // duplicate; remote sandboxes need no routing: whichever process runs the job reconnects).
        void runTurn(ctx, services, run.id, run.turns + 1, { attempt: 1, jobId: `routed:${run.id}`, signal: shutdown.signal });
      } else if (run.status === "IDLE" && run.idleUntil && run.idleUntil.getTime() < Date.now() - 2_000) {
        await completeIdleRun(ctx, services, run.id, run.turns);
      }
    }
  };
  const timer = setInterval(() => {
    sweeping ??= sweep()
      .catch((error) => ctx.log.warn({ err: error }, "coding agent: sandbox sweep failed"))
      .finally(() => (sweeping = undefined));
  }, EVERY_MS);
  timer.unref?.();
  return {
    stop: () => {
      clearInterval(timer);
      shutdown.abort();
    },
    async releaseAll(reason: string) {
      await sweeping;
      // Local sandboxes die with this process; remote ones stay for whichever process the run's next request reaches.
      if (services.provider.name === "local") {
        for (const run of await held().catch(() => [])) if (run.status === "IDLE") await endRun(ctx, services, run.id, "COMPLETED", reason).catch(() => undefined);
      }
      await services.provider.stopAll();
    },
  };
}
