import { hostname } from "node:os";
import type { z } from "zod";
import type { Config } from "../config/index.ts";
import type { AppContext } from "../context.ts";
import type { DatabaseHandle } from "../db/client.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { JobCatalog } from "./catalog.ts";
import type { AnyJobDefinition, JobDeclaration } from "./define.ts";
import type { Delivery, JobDriver } from "./drivers/driver.ts";
import { type PeriodicTask, PeriodicTasks } from "./periodic.ts";
import { LocalDriver } from "./drivers/local.ts";
import { RedisDriver } from "./drivers/redis.ts";
import { type JobPage, listJobs } from "./queries.ts";
import { JobRunner } from "./runner.ts";
import { type JobRow, type JobStatus, JobStore } from "./store.ts";

const DELIVERY_TIMEOUT_MS = 5_000;

export interface EnqueueOptions {
  /** Not before this time (default: now). */
  runAt?: Date;
  /** Enqueueing the same key again returns the first job's id and enqueues nothing. */
  dedupeKey?: string;
}

/**
 * `ctx.jobs`: the one entry point for background work. Any process can enqueue (one-shot CLI commands too);
 * only `start` makes this process a worker. Every job is a row first; the driver carries ids only.
 */
export class JobScheduler {
  readonly catalog = new JobCatalog();
  readonly store: JobStore;
  readonly driver: JobDriver;
  private readonly runner: JobRunner;
  private readonly periodic: PeriodicTasks;
  private readonly leaseMs: number;
  private sweepTimer?: ReturnType<typeof setInterval>;
  private sweeping?: Promise<void>;
  private stopped?: Promise<void>;

  constructor(
    config: Config,
    private readonly database: DatabaseHandle,
    private readonly log: Logger,
  ) {
    const env = config.env;
    this.leaseMs = env.CRITIQUE_JOB_LEASE_MS;
    this.store = new JobStore(database.db, database.tables, `${hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`, this.leaseMs);
    this.periodic = new PeriodicTasks(log);
    this.runner = new JobRunner({ store: this.store, catalog: this.catalog, log, leaseMs: this.leaseMs, requeued: (row) => this.deliver(row) });
    const deps = { store: this.store, runner: this.runner, catalog: this.catalog, log, concurrency: env.CRITIQUE_JOB_CONCURRENCY };
    this.driver = env.REDIS_URL ? new RedisDriver(deps, env.REDIS_URL, env.CRITIQUE_REDIS_PREFIX) : new LocalDriver(deps, env.CRITIQUE_JOB_POLL_MS, Math.max(env.CRITIQUE_JOB_POLL_MS, env.CRITIQUE_JOB_IDLE_POLL_MS));
  }

  /** Makes job types (and periodic tasks) runnable in this process (features call this when they are mounted). */
  register(...defs: (AnyJobDefinition | PeriodicTask)[]): this {
    for (const def of defs) {
      if ("kind" in def && def.kind === "periodic") this.periodic.add(def);
      else this.catalog.register(def as AnyJobDefinition);
    }
    return this;
  }

  /** Validates the payload, writes the row, hands its id to the driver; returns the row id. */
  async enqueue<S extends z.ZodType>(def: JobDeclaration<S>, payload: z.input<S>, options: EnqueueOptions = {}): Promise<string> {
    const parsed = def.payload.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError("VALIDATION", `payload${issue.path.map((p) => `.${String(p)}`).join("")}: ${issue.message}`);
    }
    const { row, created } = await this.store.insert({
      name: def.name,
      payload: parsed.data,
      maxAttempts: def.maxAttempts,
      runAt: options.runAt ?? new Date(),
      dedupeKey: options.dedupeKey,
    });
    if (created) await this.deliver(row);
    return row.id;
  }

  get(id: string): Promise<JobRow | undefined> {
    return this.store.get(id);
  }

  /** Cancels a queued job (pending deliveries then find nothing to claim); false if it already started or ended. */
  cancel(id: string): Promise<boolean> {
    return this.store.cancel(id);
  }

  list(query: { status?: JobStatus; limit: number; cursor?: string }): Promise<JobPage> {
    return listJobs(this.database.db, this.database.tables, query);
  }

  /** Starts workers and the lease sweep; `ctx` is what handlers receive. */
  start(ctx: AppContext): void {
    if (this.sweepTimer) return;
    this.runner.bind(ctx);
    this.driver.start();
    const interval = Math.max(100, Math.min(Math.floor(this.leaseMs / 2), 15_000));
    this.sweepTimer = setInterval(() => void this.sweep(), interval);
    void this.sweep();
    this.periodic.start(ctx);
    this.log.info({ driver: this.driver.kind, jobs: this.catalog.names() }, "job workers started");
  }

  /**
   * Re-queues rows whose worker vanished (lease expired) and, for drivers that can lose a message, re-sends rows
   * that have been due for longer than two leases. Safe to run in every process at once.
   */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        const { requeued, failed } = await this.store.recoverExpired();
        for (const row of failed) this.log.error({ jobId: row.id, job: row.name, attempts: row.attempts }, "job failed: its worker was lost on the last attempt");
        for (const row of requeued) {
          this.log.warn({ jobId: row.id, job: row.name, attempts: row.attempts }, "job lease expired: queued again");
          await this.deliver(row);
        }
        if (this.driver.resendsOverdue) {
          for (const row of await this.store.overdue(new Date(Date.now() - 2 * this.leaseMs), 100)) await this.deliver(row);
        }
      } catch (error) {
        this.log.error({ err: error }, "job sweep failed");
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  private async deliver(row: Delivery): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      // Bounded: with Redis down, callers (an HTTP request that enqueues) must not hang on an offline queue.
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${DELIVERY_TIMEOUT_MS} ms`)), DELIVERY_TIMEOUT_MS)));
      await Promise.race([this.driver.deliver(row), timeout]);
    } catch (error) {
      // The row is safe in the database: the sweep re-sends overdue rows once the driver is back.
      this.log.error({ err: error, jobId: row.id }, "job delivery failed");
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops taking work, lets running jobs finish for up to `drainMs` (then interrupts and re-queues them), closes. */
  stop(drainMs: number): Promise<void> {
    this.stopped ??= (async () => {
      clearInterval(this.sweepTimer);
      await this.periodic.stop();
      await this.driver.stopTaking();
      await this.runner.drain(drainMs);
      await this.sweeping;
      await this.driver.close();
    })();
    return this.stopped;
  }

  readiness() {
    return this.driver.readiness();
  }
}
