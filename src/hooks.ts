import type { Logger } from "./log.ts";

/**
 * The one small event port between surfaces: a surface announces that something it owns changed, another reacts,
 * and neither imports the other. In-process only, after the change is written: a listener that must survive a
 * crash turns the notice into a job (its own watchdog covers a notice that never came).
 */
export interface HookEvents {
  /** A coding-agent run changed status (IDLE after a turn, or an ending). */
  "coding-agent.run.changed": { runId: string; status: string };
  /** A review run ended (COMPLETED or FAILED). */
  "review.run.finished": { runId: string; status: string };
}

type Listener<K extends keyof HookEvents> = (event: HookEvents[K]) => Promise<void> | void;

export class Hooks {
  readonly #listeners = new Map<keyof HookEvents, Listener<any>[]>();

  constructor(private readonly log: Logger) {}

  on<K extends keyof HookEvents>(name: K, listener: Listener<K>): void {
    this.#listeners.set(name, [...(this.#listeners.get(name) ?? []), listener]);
  }

  /** Runs every listener; a failing one is logged and never fails the change that was announced. */
  async emit<K extends keyof HookEvents>(name: K, event: HookEvents[K]): Promise<void> {
    for (const listener of this.#listeners.get(name) ?? []) {
      try {
        await listener(event);
      } catch (error) {
        this.log.error({ err: error, hook: name, event: event as Record<string, unknown> }, "a hook listener failed");
      }
    }
  }
}
