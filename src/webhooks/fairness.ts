/**
 * Deliveries share the job workers with reviews. A receiver that hangs until the 8 s timeout must not take them
 * all: each receiver may have at most `PER_RECEIVER` attempts in flight in this process. A delivery for a receiver
 * at its limit waits briefly while that receiver answers quickly (a healthy receiver with a backlog keeps
 * flowing); when its oldest attempt has been running longer than `SLOW_AFTER_MS`, the delivery is deferred
 * instead (handed to a later job without spending an attempt), so the worker goes straight back to other work.
 */
export const PER_RECEIVER = 2;
const SLOW_AFTER_MS = 250;

export interface DeliverySlot {
  release(): void;
}

interface ReceiverState {
  /** Start times of the attempts in flight. */
  started: Set<{ at: number }>;
  waiters: Set<() => void>;
}

export class DeliveryLimiter {
  private readonly receivers = new Map<string, ReceiverState>();

  /** A slot for one attempt, or undefined when the receiver is busy with slow attempts (defer then). */
  async acquire(receiver: string): Promise<DeliverySlot | undefined> {
    const deadline = Date.now() + SLOW_AFTER_MS;
    for (;;) {
      const state = this.state(receiver);
      if (state.started.size < PER_RECEIVER) return this.take(receiver, state);
      const oldest = Math.min(...[...state.started].map((s) => s.at));
      const left = deadline - Date.now();
      if (Date.now() - oldest >= SLOW_AFTER_MS || left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          state.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        state.waiters.add(wake);
      });
    }
  }

  private state(receiver: string): ReceiverState {
    let state = this.receivers.get(receiver);
    if (!state) {
      state = { started: new Set(), waiters: new Set() };
      this.receivers.set(receiver, state);
    }
    return state;
  }

  private take(receiver: string, state: ReceiverState): DeliverySlot {
    const token = { at: Date.now() };
    state.started.add(token);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        state.started.delete(token);
        const [next] = state.waiters;
        if (next) next();
        else if (state.started.size === 0) this.receivers.delete(receiver);
      },
    };
  }
}

/**
 * How long a deferred delivery waits: about a second, doubling with each deferral in a row up to half a minute,
 * so a hanging receiver's backlog is looked at less and less often instead of churning jobs.
 */
export function deferDelay(deferrals: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1_000 * 2 ** Math.min(5, Math.max(0, deferrals)));
  return Math.round(base * (0.75 + 0.5 * random()));
}
