import type { Config } from "../config/index.ts";
import type { AppContext } from "../context.ts";
import type { Logger } from "../log.ts";

/**
 * Periodic tasks: housekeeping every worker process runs on a timer (not queued jobs), like the job lease sweep.
 * A task must be safe to run in every process at once (conditional updates), since each worker runs its own.
 * Registered with `ctx.jobs.register(task)` beside job types; they run only once `start` made the process a worker.
 */
export interface PeriodicTask {
  kind: "periodic";
  /** Dotted name, for logs. */
  name: string;
  everyMs(config: Config): number;
  run(ctx: AppContext): Promise<void>;
}

export function definePeriodic(task: Omit<PeriodicTask, "kind">): PeriodicTask {
  return { kind: "periodic", ...task };
}

export class PeriodicTasks {
  readonly #tasks = new Map<string, PeriodicTask>();
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  readonly #running = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  add(task: PeriodicTask): void {
    const existing = this.#tasks.get(task.name);
    if (existing && existing !== task) throw new Error(`periodic task "${task.name}" is already registered by another definition`);
    this.#tasks.set(task.name, task);
  }

  start(ctx: AppContext): void {
    for (const task of this.#tasks.values()) {
      let current: Promise<void> | undefined;
      // One run at a time per task: a slow run is not stacked up behind by the next tick.
      const tick = () => {
        current ??= task
          .run(ctx)
          .catch((error) => this.log.error({ err: error, task: task.name }, "periodic task failed"))
          .finally(() => {
            this.#running.delete(current!);
            current = undefined;
          });
        this.#running.add(current);
      };
      const timer = setInterval(tick, task.everyMs(ctx.config));
      timer.unref?.();
      this.#timers.push(timer);
    }
  }

  /** Stops the timers and waits for runs in progress (they finish before the database closes). */
  async stop(): Promise<void> {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    await Promise.allSettled([...this.#running]);
  }
}
