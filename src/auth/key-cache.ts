/**
 * The rows behind API keys, held in memory so that authenticating a request does not read the database, yet a
 * revocation takes effect at once:
 * - writes made by this process through src/auth/keys.ts clear the cache themselves (`clear`);
 * - writes made by any other process (the CLI, a second server, hand-written SQL) are noticed
 *   - on SQLite through `externalVersion`, a number the database changes whenever another connection commits
 *     (`PRAGMA data_version`); when it moved, everything cached is dropped. It is read at most once every
 *     `checkEveryMs`: it takes the WAL read lock, and even read once per millisecond it took ~2% of the event loop
 *     at 7k requests a second; so another process's revocation applies within 10 ms;
 *   - on Postgres through notifications (a trigger on the key and user tables, see src/db/client.ts): the owner
 *     calls `forget` with the changed key's hash, and `listening` once they flow. Until then nothing is cached, and
 *     after a reconnect (notifications may have been lost) everything is dropped.
 * Only valid keys are cached (a flood of made-up keys cannot fill it), at most `maxEntries`, each for at most
 * `maxAgeMs` as a backstop.
 */
export class KeyCache<Row> {
  readonly #rows = new Map<string, { row: Row; cachedAt: number }>();
  #version: number | undefined;
  /** When `externalVersion` was last read. */
  #checkedAt = Number.NaN;
  /** Bumped by `clear` and `forget`: a row read before either must not be cached after it (see `ticket`). */
  #generation = 0;
  #enabled: boolean;

  constructor(
    private readonly externalVersion: (() => number) | undefined,
    private readonly maxEntries = 10_000,
    private readonly maxAgeMs = 60_000,
    private readonly checkEveryMs = 10,
  ) {
    this.#enabled = externalVersion !== undefined;
  }

  /** The cached row for a key hash, if it is still known to match the database; `now` in whole milliseconds. */
  get(hash: string, now: number): Row | undefined {
    if (!this.#enabled) return undefined;
    // Also read when the clock went back, or never was (NaN).
    if (this.externalVersion && !(Math.abs(now - this.#checkedAt) < this.checkEveryMs)) {
      this.#checkedAt = now;
      const version = this.externalVersion();
      if (version !== this.#version) {
        this.clear();
        this.#version = version;
        return undefined;
      }
    }
    const entry = this.#rows.get(hash);
    if (!entry) return undefined;
    if (now - entry.cachedAt > this.maxAgeMs) {
      this.#rows.delete(hash);
      return undefined;
    }
    return entry.row;
  }

  /** Taken before reading a row from the database; `remember` drops the row if a write cleared the cache since. */
  ticket(): number {
    return this.#generation;
  }

  remember(ticket: number, hash: string, row: Row, now: number): void {
    if (!this.#enabled || ticket !== this.#generation) return;
    if (this.#rows.size >= this.maxEntries) this.#rows.delete(this.#rows.keys().next().value!);
    this.#rows.set(hash, { row, cachedAt: now });
  }

  clear(): void {
    this.#rows.clear();
    this.#generation++;
  }

  /** One key changed elsewhere (Postgres notification). */
  forget(hash: string): void {
    this.#rows.delete(hash);
    this.#generation++;
  }

  /** Notifications flow (again): start caching, from empty. */
  listening(): void {
    this.clear();
    this.#enabled = true;
  }

  get size(): number {
    return this.#rows.size;
  }
}
