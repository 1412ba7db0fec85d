import type { AppContext } from "../context.ts";
import type { Logger } from "../log.ts";
import { backoffDelay } from "./backoff.ts";
import type { JobCatalog } from "./catalog.ts";
import { type AnyJobDefinition, JobTimeoutError, LeaseLostAbort, PermanentJobError, ShutdownAbort } from "./define.ts";
import type { JobRow, JobStore } from "./store.ts";

export interface RunnerDeps {
  store: JobStore;
  catalog: JobCatalog;
  log: Logger;
  leaseMs: number;
  /** A row went back to `queued` (retry or release): the driver must deliver it again at `runAt`. */
  requeued(row: Pick<JobRow, "id" | "runAt" | "attempts">): Promise<void>;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Runs claimed rows: enforces the timeout through the AbortSignal, renews the lease while the attempt runs (so a
 * dead worker is noticed within one lease, however long the job's timeout), and writes the outcome only while it
 * still owns the row.
 */
export class JobRunner {
  private readonly running = new Map<string, Running>();
  private ctx?: AppContext;

  constructor(private readonly deps: RunnerDeps) {}

  bind(ctx: AppContext): void {
    this.ctx = ctx;
  }

  get busy(): number {
    return this.running.size;
  }

  /** Starts the attempt and resolves when its outcome is written; never rejects. */
  run(row: JobRow): Promise<void> {
    const controller = new AbortController();
    const done = this.attempt(row, controller)
      .catch((error) => this.deps.log.error({ err: error, jobId: row.id, job: row.name }, "job outcome could not be recorded"))
      .finally(() => this.running.delete(row.id));
    this.running.set(row.id, { controller, done });
    return done;
  }

  /** Waits for running attempts up to `timeoutMs`, then aborts the rest and hands their rows back. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // Loop: an attempt may start while we wait (a delivery that was already being claimed).
    while (this.running.size > 0) {
      const left = deadline - Date.now();
      const all = Promise.all([...this.running.values()].map((r) => r.done));
      if (left <= 0) {
        this.deps.log.warn({ jobs: this.running.size, timeoutMs }, "drain timeout: interrupting running jobs");
        for (const { controller } of this.running.values()) controller.abort(new ShutdownAbort());
        await all;
        continue;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
  }

  private async attempt(row: JobRow, controller: AbortController): Promise<void> {
    const { store, catalog, log } = this.deps;
    const def = catalog.get(row.name);
    const logFields = { jobId: row.id, job: row.name, attempt: row.attempts };
    if (!def || !this.ctx) return void (await this.failed(row, def, new PermanentJobError(`no handler for job "${row.name}" in this process`)));
    const { signal } = controller;
    const timeout = setTimeout(() => controller.abort(new JobTimeoutError(def.timeoutMs)), def.timeoutMs);
    const heartbeat = setInterval(() => {
      store.renewLease(row).then(
        (owned) => owned || controller.abort(new LeaseLostAbort()),
        (error) => log.warn({ ...logFields, err: error }, "lease renewal failed"),
      );
    }, Math.max(100, Math.floor(this.deps.leaseMs / 3)));
    try {
      const parsed = def.payload.safeParse(row.payload);
      if (!parsed.success) throw new PermanentJobError(`payload no longer matches the job's schema: ${parsed.error.issues[0]?.message}`);
      log.debug(logFields, "job started");
      const returned = await untilAborted(def.run(this.ctx, parsed.data, { signal, attempt: row.attempts, jobId: row.id }), signal);
      // Stored as JSON: a value that cannot be (a BigInt, a cycle) fails the attempt here, visibly.
      const result = returned === undefined ? null : JSON.parse(JSON.stringify(returned));
      if (!(await store.complete(row, result))) log.warn(logFields, "job finished after losing its lease: result discarded");
      else log.debug(logFields, "job completed");
    } catch (thrown) {
      const error = signal.aborted ? signal.reason : thrown;
      if (error instanceof LeaseLostAbort) log.warn(logFields, error.message);
      else if (error instanceof ShutdownAbort) {
        if (await store.release(row, error.message)) await this.deps.requeued({ ...row, runAt: new Date() });
      } else await this.failed(row, def, error);
    } finally {
      clearTimeout(timeout);
      clearInterval(heartbeat);
    }
  }

  private async failed(row: JobRow, def: AnyJobDefinition | undefined, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message || error.name : String(error);
    const retryable = def && !(error instanceof PermanentJobError) && row.attempts < row.maxAttempts;
    const retryAt = retryable ? new Date(Date.now() + backoffDelay(row.attempts, def.backoff)) : null;
    const fields = { jobId: row.id, job: row.name, attempt: row.attempts, error: message };
    if (!(await this.deps.store.fail(row, message, retryAt))) return void this.deps.log.warn(fields, "job failed after losing its lease");
    if (retryAt) {
      this.deps.log.warn({ ...fields, retryAt }, "job attempt failed: will retry");
      await this.deps.requeued({ ...row, runAt: retryAt });
    } else this.deps.log.error(fields, "job failed");
  }
}

/** Settles with the handler, or rejects as soon as the signal aborts (even if the handler ignores it). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined); // a handler that rejects after the abort must not surface as unhandled
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
