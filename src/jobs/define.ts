import type { z } from "zod";
import type { AppContext } from "../context.ts";

/** What a handler learns about the attempt it runs. */
export interface JobAttempt {
  /** Aborted on timeout, on shutdown past the drain timeout, or when this worker lost the lease. */
  signal: AbortSignal;
  /** 1 for the first run, counting every claim (retries and runs after a lost worker). */
  attempt: number;
  jobId: string;
}

export interface JobDefinition<Schema extends z.ZodType = z.ZodType, Result = unknown> {
  /** Stable, dotted name stored in every row (`reviews.run`, `webhooks.deliver`). Never rename a live one. */
  name: string;
  payload: Schema;
  /** Hard limit per attempt: the signal aborts and the attempt counts as failed. */
  timeoutMs: number;
  /** Runs at most this many times before the row is `failed` (a lost worker's attempt counts too). */
  maxAttempts: number;
  /** Exponential backoff with jitter between attempts. */
  backoff: { baseMs: number; maxMs: number };
  /** Whether `POST /api/v1/admin/jobs` may enqueue it (operator diagnostics only, never user work). */
  operatorEnqueueable: boolean;
  /**
   * Must be idempotent: an attempt whose worker died may have done part of its work before it runs again.
   * The return value (JSON) is stored as the row's `result`.
   */
  run(ctx: AppContext, payload: z.output<Schema>, attempt: JobAttempt): Promise<Result>;
}

export type AnyJobDefinition = JobDefinition<any, any>;

export type JobDefinitionInput<Schema extends z.ZodType, Result> = Pick<JobDefinition<Schema, Result>, "name" | "payload" | "run"> &
  Partial<Omit<JobDefinition<Schema, Result>, "name" | "payload" | "run">>;

export const JOB_DEFAULTS = {
  timeoutMs: 60_000,
  maxAttempts: 3,
  backoff: { baseMs: 1_000, maxMs: 5 * 60_000 },
  operatorEnqueueable: false,
} as const;

const NAME = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;

/**
 * A job type without its handler: all that enqueueing needs. Code that enqueues a job imports this, not the
 * handler, which usually imports that code back (a run's service enqueues the job that runs the run).
 */
export type JobDeclaration<Schema extends z.ZodType = z.ZodType> = Omit<JobDefinition<Schema, unknown>, "run">;

/** Declares a job type: name, payload and limits, defaults applied and checked. */
export function declareJob<Schema extends z.ZodType>(input: Omit<JobDefinitionInput<Schema, unknown>, "run">): JobDeclaration<Schema> {
  if (!NAME.test(input.name) || input.name.length > 100) throw new Error(`job name "${input.name}" must be lowercase, dotted, at most 100 characters`);
  const def = { ...JOB_DEFAULTS, ...input, backoff: { ...JOB_DEFAULTS.backoff, ...input.backoff } };
  if (def.timeoutMs <= 0 || def.maxAttempts < 1 || def.backoff.baseMs < 0 || def.backoff.maxMs < def.backoff.baseMs) {
    throw new Error(`job "${def.name}": timeoutMs > 0, maxAttempts >= 1 and 0 <= backoff.baseMs <= backoff.maxMs are required`);
  }
  return def;
}

/** Declares a job type with its handler. Register it with `ctx.jobs.register(def)` in the process that runs it. */
export function defineJob<Schema extends z.ZodType, Result>(input: JobDefinitionInput<Schema, Result>): JobDefinition<Schema, Result> {
  return { ...declareJob(input), run: input.run };
}

/** Thrown by a handler for a failure that retrying cannot fix (bad input, a 4xx from upstream): no more attempts. */
export class PermanentJobError extends Error {
  override name = "PermanentJobError";
}

/** Abort reasons the runner tells apart: only a timeout counts as the handler's failure. */
export class JobTimeoutError extends Error {
  override name = "JobTimeoutError";
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
  }
}
export class ShutdownAbort extends Error {
  override name = "ShutdownAbort";
  constructor() {
    super("interrupted: the server shut down before the attempt finished");
  }
}
export class LeaseLostAbort extends Error {
  override name = "LeaseLostAbort";
  constructor() {
    super("lease lost: another worker took the job over");
  }
}
