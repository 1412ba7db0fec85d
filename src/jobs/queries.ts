import { and, count, desc, eq, lt, lte } from "drizzle-orm";
import type { Db, Tables } from "../db/client.ts";
import type { JobRow, JobStatus } from "./store.ts";

/** Read-only views of the jobs table: listings for operators and counts for /metrics. */

export interface JobPage {
  jobs: JobRow[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** Newest first; ids are time-ordered, so the cursor is the last id seen. */
export async function listJobs(db: Db, tables: Tables, query: { status?: JobStatus; limit: number; cursor?: string }): Promise<JobPage> {
  const t = tables.jobs;
  const rows = await db
    .select()
    .from(t)
    .where(and(query.status ? eq(t.status, query.status) : undefined, query.cursor ? lt(t.id, query.cursor) : undefined))
    .orderBy(desc(t.id))
    .limit(query.limit + 1);
  const more = rows.length > query.limit;
  const jobs = more ? rows.slice(0, query.limit) : rows;
  return { jobs, nextCursor: more ? jobs[jobs.length - 1].id : null };
}

export async function countJobs(db: Db, tables: Tables): Promise<{ byNameAndStatus: { name: string; status: string; count: number }[]; due: number }> {
  const t = tables.jobs;
  const byNameAndStatus = await db.select({ name: t.name, status: t.status, count: count() }).from(t).groupBy(t.name, t.status);
  const [due] = await db
    .select({ count: count() })
    .from(t)
    .where(and(eq(t.status, "queued"), lte(t.runAt, new Date())));
  return { byNameAndStatus, due: due?.count ?? 0 };
}
