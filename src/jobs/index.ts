/** The job scheduler's public surface: features import from here. */
export { type AnyJobDefinition, defineJob, type JobAttempt, type JobDefinition, PermanentJobError } from "./define.ts";
export { definePeriodic, type PeriodicTask } from "./periodic.ts";
export { type EnqueueOptions, JobScheduler } from "./scheduler.ts";
export type { JobRow, JobStatus } from "./store.ts";
export { abortableSleep } from "./sleep.ts";
export { systemEcho, systemJobs } from "./system.ts";
