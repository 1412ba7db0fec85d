import { and, asc, eq, gte, inArray, isNotNull, lt, lte, sql } from "drizzle-orm";
import type { Db, Tables } from "../db/client.ts";
import { newId } from "../ids.ts";
import { redactKeys } from "../log.ts";

export type JobRow = Tables["jobs"]["$inferSelect"];
export type JobStatus = "queued" | "running" | "completed" | "failed" | "cancelled";
export const JOB_STATUSES = ["queued", "running", "completed", "failed", "cancelled"] as const;

const MAX_ERROR_LENGTH = 2_000;
const errorText = (message: string) => redactKeys(message).slice(0, MAX_ERROR_LENGTH);

/**
 * Every state change of a job row, each one conditional UPDATE … RETURNING so that it is atomic on SQLite and
 * Postgres alike: a claim only succeeds on a `queued` row, and an attempt only writes its outcome while it still
 * owns the row (same worker, same attempt number, still `running`). Time comes from the caller's clock.
 */
export class JobStore {
  constructor(
    private readonly db: Db,
    private readonly tables: Tables,
    /** Identifies this process in `locked_by`; with the attempt number it names one claim. */
    readonly workerId: string,
    private readonly leaseMs: number,
  ) {}

  private get t() {
    return this.tables.jobs;
  }

  /** Inserts a queued row; with a dedupe key already present, returns the existing row instead. */
  async insert(input: { name: string; payload: unknown; maxAttempts: number; runAt: Date; dedupeKey?: string }): Promise<{ row: JobRow; created: boolean }> {
    const now = new Date();
    const [row] = await this.db
      .insert(this.t)
      .values({ id: newId(), status: "queued", attempts: 0, createdAt: now, updatedAt: now, ...input, dedupeKey: input.dedupeKey ?? null })
      .onConflictDoNothing({ target: this.t.dedupeKey })
      .returning();
    if (row) return { row, created: true };
    const [existing] = await this.db.select().from(this.t).where(eq(this.t.dedupeKey, input.dedupeKey!));
    return { row: existing, created: false };
  }

  async get(id: string): Promise<JobRow | undefined> {
    const [row] = await this.db.select().from(this.t).where(eq(this.t.id, id));
    return row;
  }

  private claimSet(now: Date) {
    return { status: "running", attempts: sql`${this.t.attempts} + 1`, leaseUntil: new Date(now.getTime() + this.leaseMs), lockedBy: this.workerId, updatedAt: now };
  }

  private dueFor(names: string[], now: Date) {
    return and(eq(this.t.status, "queued"), lte(this.t.runAt, now), inArray(this.t.name, names));
  }

  /** Claims one known row by id if it is queued and due (the redis driver's delivery). */
  async claimById(id: string, names: string[], now = new Date()): Promise<JobRow | undefined> {
    if (names.length === 0) return undefined;
    const [row] = await this.db.update(this.t).set(this.claimSet(now)).where(and(eq(this.t.id, id), this.dueFor(names, now))).returning();
    return row;
  }

  /** Claims up to `limit` due rows, oldest first (the local driver's poll). */
  async claimDue(limit: number, names: string[], now = new Date()): Promise<JobRow[]> {
    if (names.length === 0 || limit <= 0) return [];
    const candidates = await this.db.select({ id: this.t.id }).from(this.t).where(this.dueFor(names, now)).orderBy(asc(this.t.runAt), asc(this.t.id)).limit(limit);
    if (candidates.length === 0) return [];
    // Two statements, not `id IN (subquery)`: without statistics SQLite drives that UPDATE from the status index
    // and scans the whole backlog per claim. `status = 'queued'` is re-checked per row (under the row lock on
    // Postgres), so a concurrent claimer of the same candidates gets nothing.
    const ids = candidates.map((c) => c.id);
    return this.db.update(this.t).set(this.claimSet(now)).where(and(inArray(this.t.id, ids), eq(this.t.status, "queued"))).returning();
  }

  private owned(row: JobRow) {
    return and(eq(this.t.id, row.id), eq(this.t.status, "running"), eq(this.t.lockedBy, this.workerId), eq(this.t.attempts, row.attempts));
  }

  private async updateOwned(row: JobRow, values: Partial<JobRow>): Promise<boolean> {
    const changed = await this.db.update(this.t).set({ updatedAt: new Date(), ...values }).where(this.owned(row)).returning({ id: this.t.id });
    return changed.length === 1;
  }

  /** Extends the lease of a running attempt; false when the row is no longer this attempt's. */
  renewLease(row: JobRow): Promise<boolean> {
    return this.updateOwned(row, { leaseUntil: new Date(Date.now() + this.leaseMs) });
  }

  complete(row: JobRow, result: unknown): Promise<boolean> {
    const now = new Date();
    return this.updateOwned(row, { status: "completed", result: result ?? null, lastError: null, leaseUntil: null, lockedBy: null, finishedAt: now, updatedAt: now });
  }

  /** A failed attempt: queued again at `retryAt`, or `failed` for good when `retryAt` is null. */
  fail(row: JobRow, message: string, retryAt: Date | null): Promise<boolean> {
    const common = { lastError: errorText(message), leaseUntil: null, lockedBy: null };
    if (retryAt) return this.updateOwned(row, { ...common, status: "queued", runAt: retryAt });
    return this.updateOwned(row, { ...common, status: "failed", finishedAt: new Date() });
  }

  /** Cancels a job that has not started; a running attempt is not interrupted (false then, as when finished). */
  async cancel(id: string): Promise<boolean> {
    const now = new Date();
    const changed = await this.db
      .update(this.t)
      .set({ status: "cancelled", finishedAt: now, updatedAt: now })
      .where(and(eq(this.t.id, id), eq(this.t.status, "queued")))
      .returning({ id: this.t.id });
    return changed.length === 1;
  }

  /** Hands an interrupted attempt back (shutdown): queued now, so the next worker starts it at once. */
  release(row: JobRow, message: string): Promise<boolean> {
    return this.updateOwned(row, { status: "queued", runAt: new Date(), lastError: errorText(message), leaseUntil: null, lockedBy: null });
  }

  /**
   * Rows whose worker vanished (lease expired while running): the lost attempt counts, so a job that kills its
   * worker every time ends `failed` instead of looping; the others are queued again and returned for delivery.
   */
  async recoverExpired(now = new Date()): Promise<{ requeued: JobRow[]; failed: JobRow[] }> {
    const expired = and(eq(this.t.status, "running"), isNotNull(this.t.leaseUntil), lt(this.t.leaseUntil, now));
    const lost = errorText("lease expired: the worker stopped without finishing (crash or kill)");
    const failed = await this.db
      .update(this.t)
      .set({ status: "failed", lastError: lost, leaseUntil: null, lockedBy: null, finishedAt: now, updatedAt: now })
      .where(and(expired, gte(this.t.attempts, this.t.maxAttempts)))
      .returning();
    const requeued = await this.db
      .update(this.t)
      .set({ status: "queued", runAt: now, lastError: lost, leaseUntil: null, lockedBy: null, updatedAt: now })
      .where(and(expired, lt(this.t.attempts, this.t.maxAttempts)))
      .returning();
    return { requeued, failed };
  }

  /** Queued rows due since before `dueBefore` (the redis driver re-sends them in case their message was lost). */
  overdue(dueBefore: Date, limit: number): Promise<JobRow[]> {
    return this.db.select().from(this.t).where(and(eq(this.t.status, "queued"), lt(this.t.runAt, dueBefore))).orderBy(asc(this.t.runAt)).limit(limit);
  }
}
