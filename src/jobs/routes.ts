import { Elysia } from "elysia";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { AppError, notFound } from "../errors.ts";
import { authPlugin } from "../http/auth.ts";
import { JOB_STATUSES, type JobRow } from "./store.ts";

const iso = z.string().describe("ISO 8601 timestamp");

export const jobView = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(JOB_STATUSES),
  attempts: z.number().int().describe("Attempts started so far (including one lost with its worker)"),
  maxAttempts: z.number().int(),
  payload: z.unknown(),
  result: z.unknown().nullable(),
  lastError: z.string().nullable(),
  runAt: iso.describe("Not before this time"),
  leaseUntil: iso.nullable().describe("While running: when the worker's lease expires unless renewed"),
  createdAt: iso,
  updatedAt: iso,
  finishedAt: iso.nullable(),
});

export function toJobView(row: JobRow): z.infer<typeof jobView> {
  const when = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: row.id,
    name: row.name,
    status: row.status as z.infer<typeof jobView>["status"],
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    payload: row.payload,
    result: row.result ?? null,
    lastError: row.lastError,
    runAt: row.runAt.toISOString(),
    leaseUntil: when(row.leaseUntil),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    finishedAt: when(row.finishedAt),
  };
}

const enqueueBody = z.object({
  name: z.string().min(1).max(100).describe("A job type declared operator-enqueueable (e.g. system.echo)"),
  payload: z.record(z.string(), z.unknown()).default({}),
  runAt: z.iso.datetime({ offset: true }).optional().describe("Run not before this time"),
  dedupeKey: z.string().min(1).max(200).optional().describe("A second enqueue with the same key returns the first job"),
});

const listQuery = z.object({
  status: z.enum(JOB_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .regex(/^[0-9a-f]{32}$/, "must be a nextCursor value from a previous page")
    .optional(),
});

const tags = ["Administration"];
const security = [{ bearer: [] }];

/** Operator routes for the job system (scope `admin`): enqueue diagnostics, inspect any job, list by state. */
export const jobRoutes = (ctx: AppContext) =>
  new Elysia({ name: "admin-jobs", prefix: "/api/v1/admin/jobs" })
    .use(authPlugin(ctx))
    .post(
      "/",
      async ({ body, status }) => {
        const def = ctx.jobs.catalog.get(body.name);
        const allowed = ctx.jobs.catalog.operatorEnqueueable();
        if (!def?.operatorEnqueueable) {
          throw new AppError("VALIDATION", `name: "${body.name}" cannot be enqueued over HTTP; allowed: ${allowed.join(", ") || "none"}`);
        }
        const id = await ctx.jobs.enqueue(def, body.payload, { runAt: body.runAt ? new Date(body.runAt) : undefined, dedupeKey: body.dedupeKey });
        const row = await ctx.jobs.get(id);
        return status(202, { job: toJobView(row!) });
      },
      {
        scopes: ["admin"],
        body: enqueueBody,
        response: { 202: z.object({ job: jobView }) },
        detail: { tags, security, summary: "Enqueue an operator job (diagnostics such as system.echo)" },
      },
    )
    .get(
      "/:id",
      async ({ params }) => {
        const row = await ctx.jobs.get(params.id);
        if (!row) throw notFound("Job");
        return { job: toJobView(row) };
      },
      {
        scopes: ["admin"],
        params: z.object({ id: z.string().max(100) }),
        response: { 200: z.object({ job: jobView }) },
        detail: { tags, security, summary: "One job: status, attempts, last error, result, timestamps" },
      },
    )
    .get(
      "/",
      async ({ query }) => {
        const page = await ctx.jobs.list(query);
        return { jobs: page.jobs.map(toJobView), nextCursor: page.nextCursor };
      },
      {
        scopes: ["admin"],
        query: listQuery,
        response: { 200: z.object({ jobs: z.array(jobView), nextCursor: z.string().nullable() }) },
        detail: { tags, security, summary: "Jobs, newest first, optionally by status (cursor-paginated)" },
      },
    );
