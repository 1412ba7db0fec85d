import type { AppContext } from "../../src/context.ts";

/**
 * `inference_usage` rows are written in batches (one multi-row insert every `intervalMs`, or sooner when many
 * are waiting), off the request path. Shutdown flushes what is left.
 */
type UsageRow = typeof import("../../db/sqlite.ts").inferenceUsage.$inferInsert;
const MAX_BATCH = 32;

export class UsageLog {
  #queue: UsageRow[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: AppContext,
    private readonly intervalMs: number,
  ) {}

  add(row: UsageRow): void {
    this.#queue.push(row);
    if (this.#queue.length >= MAX_BATCH) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Writes what is queued; resolves when every write so far has finished. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const rows = this.#queue;
    this.#queue = [];
    if (rows.length) {
      this.#writing = this.#writing.then(() =>
        this.ctx.db
          .insert(this.ctx.tables.inferenceUsage)
          .values(rows)
          .then(
            () => undefined,
            (error) => this.ctx.log.error({ err: error, rows: rows.length }, "inference: could not record usage"),
          ),
      );
    }
    return this.#writing;
  }
}
