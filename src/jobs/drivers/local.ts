import type { Delivery, DriverDeps, JobDriver } from "./driver.ts";

/**
 * The embedded queue: the database itself, polled every `pollMs` while there is work. Polls that find nothing back
 * off, doubling up to `idlePollMs`, so an idle server costs next to nothing. Enqueueing in this process and
 * finishing a job wake the loop at once (and reset the backoff), so pickup is immediate here and at most one idle
 * interval away in other processes.
 */
export class LocalDriver implements JobDriver {
  readonly kind = "local";
  readonly resendsOverdue = false;
  private stopped = true;
  private woken = false;
  private wakeSleeper?: () => void;
  private loopDone?: Promise<void>;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  /** The current sleep between polls: `pollMs` after work, growing towards `idlePollMs` while idle. */
  private interval: number;

  constructor(
    private readonly deps: DriverDeps,
    private readonly pollMs: number,
    private readonly idlePollMs = pollMs,
  ) {
    this.interval = pollMs;
  }

  async deliver(job: Delivery): Promise<void> {
    const delay = job.runAt.getTime() - Date.now();
    if (delay <= 0) return this.wake();
    // A job due before the next poll gets its own wake-up, so short backoffs are honoured precisely.
    if (delay < this.idlePollMs) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.wake();
      }, delay);
      this.timers.add(timer);
    }
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loopDone = this.loop();
  }

  async stopTaking(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.wake();
    await this.loopDone;
  }

  async close(): Promise<void> {}

  readiness() {
    return [];
  }

  private wake(): void {
    this.woken = true;
    this.interval = this.pollMs;
    this.wakeSleeper?.();
  }

  private async loop(): Promise<void> {
    const { store, runner, catalog, log, concurrency } = this.deps;
    while (!this.stopped) {
      this.woken = false;
      const free = concurrency - runner.busy;
      let claimed = 0;
      if (free > 0) {
        try {
          const rows = await store.claimDue(free, catalog.names());
          claimed = rows.length;
          for (const row of rows) void runner.run(row).then(() => this.wake());
        } catch (error) {
          log.error({ err: error }, "job poll failed");
        }
      }
      // A full batch suggests more is waiting: claim again at once instead of sleeping. Either way yield to the
      // event loop first: SQLite calls complete without yielding, so a stream of instant jobs would otherwise
      // starve timers and sockets (HTTP, outbound webhooks) in this process.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (claimed > 0 && claimed === free) continue;
      await this.sleep();
      this.interval = claimed > 0 ? this.pollMs : Math.min(this.idlePollMs, this.interval * 2);
    }
  }

  private sleep(): Promise<void> {
    if (this.woken || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeSleeper = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.interval);
      this.wakeSleeper = done;
    });
  }
}
