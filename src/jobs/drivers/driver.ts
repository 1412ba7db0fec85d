import type { ReadinessCheck } from "../../http/ops.ts";
import type { Logger } from "../../log.ts";
import type { JobCatalog } from "../catalog.ts";
import type { JobRunner } from "../runner.ts";
import type { JobRow, JobStore } from "../store.ts";

export type Delivery = Pick<JobRow, "id" | "runAt" | "attempts">;

/**
 * How ids of queued rows reach workers. The row is the truth: a delivery only asks a worker to try to claim it,
 * so deliveries may be repeated, late or stale without a job ever running twice.
 */
export interface JobDriver {
  readonly kind: "local" | "redis";
  /** Whether a delivery can be lost outside the database (then the sweep re-sends long-overdue queued rows). */
  readonly resendsOverdue: boolean;
  /** Asks for row `id` to be run at `runAt`; `attempts` tells deliveries of successive attempts apart. */
  deliver(job: Delivery): Promise<void>;
  /** Starts workers in this process. */
  start(): void;
  /** Stops taking new work; attempts already running go on (the scheduler drains them). */
  stopTaking(): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
  readiness(): ReadinessCheck[];
}

export interface DriverDeps {
  store: JobStore;
  runner: JobRunner;
  catalog: JobCatalog;
  log: Logger;
  concurrency: number;
}
