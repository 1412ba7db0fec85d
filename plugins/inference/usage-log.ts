import { sql } from "drizzle-orm";
import type { AppContext } from "../../src/context.ts";

/**
 * `inference_usage` rows are written in batches (one multi-row insert every `intervalMs`, or as soon as
 * `BATCH` are waiting), off the request path. Shutdown flushes what is left.
 *
 * Under load every write is a full batch, so that insert is prepared once with placeholders: building a
 * 32-row insert with drizzle's builder and preparing it anew cost more CPU than the rest of a completion
 * (bench/inference.ts). Partial batches (a quiet server's timer flush) use the builder.
 */
type UsageRow = typeof import("../../db/sqlite.ts").inferenceUsage.$inferInsert;
const BATCH = 32;
const COLUMNS = ["id", "userId", "keyId", "model", "provider", "promptTokens", "completionTokens", "cost", "estimated", "byok", "trainingOptIn", "stream", "status", "reservationId", "createdAt"] as const satisfies readonly (keyof UsageRow)[];

/** Placeholder names, row by row: `id0`, `userId0`, … `createdAt31` (built once; building them per batch showed up in profiles). */
const NAMES = Array.from({ length: BATCH }, (_, i) => COLUMNS.map((column) => `${column}${i}`));

function prepareFullBatch(ctx: AppContext) {
  const rows = NAMES.map((names) => Object.fromEntries(COLUMNS.map((column, c) => [column, sql.placeholder(names[c])])));
  return ctx.db
    .insert(ctx.tables.inferenceUsage)
    .values(rows as unknown as UsageRow[])
    .prepare();
}

function placeholderValues(rows: UsageRow[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  rows.forEach((row, i) => {
    const names = NAMES[i];
    COLUMNS.forEach((column, c) => {
      values[names[c]] = row[column] ?? null;
    });
  });
  return values;
}

export class UsageLog {
  #queue: UsageRow[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  #fullBatch: ReturnType<typeof prepareFullBatch> | undefined;

  constructor(
    private readonly ctx: AppContext,
    private readonly intervalMs: number,
  ) {}

  add(row: UsageRow): void {
    this.#queue.push(row);
    if (this.#queue.length >= BATCH) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Writes what is queued; resolves when every write so far has finished. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length) {
      const rows = this.#queue.splice(0, BATCH);
      this.#writing = this.#writing.then(() =>
        this.#insert(rows).then(
          () => undefined,
          (error) => this.ctx.log.error({ err: error, rows: rows.length }, "inference: could not record usage"),
        ),
      );
    }
    return this.#writing;
  }

  async #insert(rows: UsageRow[]): Promise<void> {
    if (rows.length < BATCH) {
      await this.ctx.db.insert(this.ctx.tables.inferenceUsage).values(rows);
      return;
    }
    this.#fullBatch ??= prepareFullBatch(this.ctx);
    await this.#fullBatch.execute(placeholderValues(rows));
  }
}
