import type { AppContext } from "../../src/context.ts";

/**
 * `inference_usage` rows are written in batches (one multi-row insert every `intervalMs`, or as soon as
 * `BATCH` are waiting), off the request path, through the database's `insertMany` (src/db/insert-many.ts):
 * with drizzle's builder the insert cost more CPU than the rest of a completion. Shutdown flushes what is left.
 */
type UsageRow = typeof import("../../db/sqlite.ts").inferenceUsage.$inferInsert;
const BATCH = 256;

export class UsageLog {
  #queue: UsageRow[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  /** Resolves once the rows queued now are written (see `written`). */
  #next: PromiseWithResolvers<void> | undefined;

  constructor(
    private readonly ctx: AppContext,
    private readonly intervalMs: number,
  ) {}

  add(row: UsageRow): void {
    this.#queue.push(row);
    if (this.#queue.length >= BATCH) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  /**
   * Resolves once every row added so far is written, at the next regular flush (it never forces one). Credit blocks
   * are settled after it, so a block's settlement never counts a call whose usage row a crash could still lose:
   * a block left open is reclaimed at the sum of its rows, which then is what its settlement would have been.
   */
  written(): Promise<void> {
    if (!this.#queue.length) return this.#writing;
    this.#next ??= Promise.withResolvers<void>();
    return this.#next.promise;
  }

  /** Writes what is queued; resolves when every write so far has finished. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const rows = this.#queue;
    const next = this.#next;
    this.#queue = [];
    this.#next = undefined;
    if (rows.length) {
      this.#writing = this.#writing.then(() =>
        this.ctx.database.insertMany(this.ctx.tables.inferenceUsage, rows).catch((error) => this.ctx.log.error({ err: error, rows: rows.length }, "inference: could not record usage")),
      );
    }
    if (next) void this.#writing.then(() => next.resolve());
    return this.#writing;
  }
}
