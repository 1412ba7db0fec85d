import type { AppContext } from "../../src/context.ts";
import { MICRO_PER_CREDIT } from "../../src/credits/index.ts";
import type { RunStatus } from "./model.ts";
import { LeaveAgentRunning } from "./runtime/opencode.ts";
import { findRun, type RunRow } from "./store.ts";
import { creditsUsedMicro } from "./views.ts";

const CHECK_MS = 250;

export interface StopReason {
  status: Extract<RunStatus, "FAILED" | "EXPIRED" | "CANCELLED">;
  reason: string;
  /** The server is shutting down and the sandbox outlives it: leave the run as it is for the next process. */
  handover?: boolean;
}

/**
 * Watches a running turn from the outside: a cancel written by any process, the run's time and credit limits, and
 * the job's own signal (shutdown). Any of them aborts `signal` and leaves `stopReason`.
 */
export class TurnWatch {
  readonly #controller = new AbortController();
  #timer: ReturnType<typeof setInterval> | undefined;
  stopReason: StopReason | undefined;

  constructor(
    private readonly ctx: AppContext,
    private readonly run: RunRow,
    jobSignal: AbortSignal,
    sandboxOutlivesServer: boolean,
  ) {
    jobSignal.addEventListener("abort", () => this.#stop({ status: "FAILED", reason: "the server shut down during the turn", handover: sandboxOutlivesServer }), { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  start(turnStarted: number) {
    const { maxMinutes, maxCredits } = this.run.limits;
    this.#timer = setInterval(async () => {
      try {
        const run = await findRun(this.ctx, this.run.id);
        if (!run) return;
        if (run.status === "CANCELLED") return this.#stop({ status: "CANCELLED", reason: run.failureReason ?? "cancelled" });
        if (run.sandboxMs + (Date.now() - turnStarted) >= maxMinutes * 60_000) return this.#stop({ status: "EXPIRED", reason: `limit reached: maxMinutes (${maxMinutes})` });
        const spent = (await creditsUsedMicro(this.ctx, { ...run, sandboxMs: run.sandboxMs + (Date.now() - turnStarted) })) / MICRO_PER_CREDIT;
        if (spent >= maxCredits) this.#stop({ status: "EXPIRED", reason: `limit reached: maxCredits (${maxCredits}; used ${spent.toFixed(6)})` });
      } catch (error) {
        this.ctx.log.warn({ err: error, runId: this.run.id }, "coding agent: could not check the run's limits");
      }
    }, CHECK_MS);
  }

  #stop(reason: StopReason) {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.#controller.abort(reason.handover ? new LeaveAgentRunning(reason.reason) : new Error(reason.reason));
  }

  stop() {
    clearInterval(this.#timer);
  }
}
