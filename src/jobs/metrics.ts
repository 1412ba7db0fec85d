import type { AppContext } from "../context.ts";
import type { Metrics } from "../ops/metrics.ts";
import { countJobs } from "./queries.ts";

/** The `beforeScrape` hook: job counts by name and state, and the number of due jobs waiting, from the database. */
export async function refreshJobMetrics(ctx: Pick<AppContext, "db" | "tables">, metrics: Pick<Metrics, "jobs" | "queueDepth">): Promise<void> {
  const { byNameAndStatus, due } = await countJobs(ctx.db, ctx.tables);
  // Reset first so a state that emptied out does not keep its last value.
  metrics.jobs.reset();
  for (const { name, status, count } of byNameAndStatus) metrics.jobs.set({ name, status }, Number(count));
  metrics.queueDepth.set(Number(due));
}
