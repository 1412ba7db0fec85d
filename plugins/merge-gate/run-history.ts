import { eq } from "drizzle-orm";
import type { Db, Tables } from "../../src/db/client.ts";
import { newId } from "../../src/ids.ts";
import type { RunRow } from "./runs.ts";

/** Copies a finished execution (with its findings) into the history table before the run is reused. */
export async function archiveExecution(db: Db, tables: Tables, run: RunRow): Promise<void> {
  const findings = await db.select().from(tables.reviewFindings).where(eq(tables.reviewFindings.runId, run.id));
  await db.insert(tables.reviewRunHistory).values({
    id: newId(),
    runId: run.id,
    execution: run.execution,
    status: run.status,
    verdict: run.verdict,
    summary: run.summary,
    riskBand: run.riskBand,
    riskScore: run.riskScore,
    failureReason: run.failureReason,
    findings,
    completedAt: run.completedAt,
    archivedAt: new Date(),
  });
  await db.delete(tables.reviewFindings).where(eq(tables.reviewFindings.runId, run.id));
}
