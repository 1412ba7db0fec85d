import type { Database } from "bun:sqlite";
import { Mutex } from "./mutex.ts";

/**
 * One bun:sqlite connection serves the process, and an async transaction is BEGIN IMMEDIATE … COMMIT on it. While
 * its body awaits, a statement from another request on that connection would join it: rolled back with it, or
 * committed early. So every statement through the process-wide `db` (and insertMany) checks `open` first: none
 * is open → it runs at once, synchronously, as before (one field read); one is → it waits in the same FIFO as
 * transactions and runs right after that COMMIT or ROLLBACK (gated-drizzle.ts). The body itself gets a second
 * drizzle instance over the same connection that never waits. A second connection for transactions would not
 * do: bun:sqlite is synchronous, so an outside write meeting the transaction's write lock spins on busy_timeout
 * with the event loop blocked, and the transaction can never finish. Cost: bench/sqlite-tx.ts.
 */
export class SqliteGate {
  readonly #mutex = new Mutex();
  /** True from BEGIN to COMMIT/ROLLBACK of a `transaction` (only ever set while holding the mutex). */
  open = false;

  /**
   * @param waitMs how long a statement waits for transactions before it fails, as busy_timeout bounds a wait for
   * another connection's lock. A body that awaits a statement through `db` (not its `tx`) waits for itself:
   * this turns that deadlock, which would stall every later statement, into an error that rolls it back.
   */
  constructor(private readonly waitMs: number) {}

  /** Runs `execute` after the open transaction (and any queued before this call) has ended, or fails after waitMs. */
  later<T>(execute: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let expired = false;
      const timer = setTimeout(() => {
        expired = true;
        reject(new Error(`SQLite: waited ${this.waitMs} ms for transactions to end (inside a transaction body, use its tx, not db)`));
      }, this.waitMs);
      void this.#mutex.run(async () => {
        if (expired) return;
        clearTimeout(timer);
        try {
          resolve(execute());
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  /** Runs `execute` now when no transaction is open, else later. */
  pass<T>(execute: () => T): T | Promise<T> {
    return this.open ? this.later(execute) : execute();
  }

  /** Runs `fn` in a transaction on `client`; `tx` must be the ungated instance (see gatedDrizzle). */
  transaction<T, Tx>(client: Database, tx: Tx, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.#mutex.run(async () => {
      client.run("BEGIN IMMEDIATE");
      this.open = true;
      try {
        const result = await fn(tx);
        client.run("COMMIT");
        return result;
      } catch (error) {
        // SQLite ends the transaction itself after some errors (SQLITE_FULL, …); a second ROLLBACK would hide them.
        if (client.inTransaction) client.run("ROLLBACK");
        throw error;
      } finally {
        this.open = false;
      }
    });
  }
}
