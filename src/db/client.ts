import { SQL } from "bun";
import type { BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";
import { drizzle as drizzlePg } from "drizzle-orm/bun-sql";
import { migrate as migratePg } from "drizzle-orm/bun-sql/migrator";
import { sql } from "drizzle-orm";
import * as pgSchema from "../../db/pg.ts";
import type * as sqliteSchema from "../../db/sqlite.ts";
import type { Config } from "../config/index.ts";
import { assetPath } from "../paths.ts";
import type { InsertMany } from "./insert-many.ts";
import { openSqlite } from "./sqlite.ts";

export type Tables = typeof sqliteSchema;
/** The one database type services see; see db/columns.ts for why the Postgres instance shares it. */
export type Db = BunSQLiteDatabase<Tables>;

export interface Database_ {
  db: Db;
  /** The dialect's table objects, typed alike (see db/columns.ts). */
  tables: Tables;
  dialect: "sqlite" | "postgres";
  /**
   * Runs `fn` atomically. Keep bodies short and free of non-database I/O, and use only `tx` in them: statements
   * through `db` are not part of the transaction (on SQLite they wait for it to end, see db/sqlite-gate.ts).
   */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** A multi-row insert for hot append-only tables (see insert-many.ts); same rows as `db.insert(t).values(rows)`. */
  insertMany: InsertMany;
  /**
   * A number that changes whenever another connection (another process) commits, cheap enough to read every
   * few milliseconds; absent where there is no such number (Postgres). Lets in-memory caches stay exact (auth/key-cache.ts).
   */
  externalVersion?: () => number;
  /**
   * Where there is no such number (Postgres): calls `onChange` with the hash of a key whose row changed in any
   * process, or with undefined when a user changed (a trigger notifies on commit, db/migrations/pg/0005), and
   * `onListening` once notifications flow, again after every reconnect (some may have been lost in between).
   */
  onKeyChange?: (onChange: (hash: string | undefined) => void, onListening: () => void) => Promise<void>;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
export type { Database_ as DatabaseHandle };

export function openDatabase(config: Config["database"]): Database_ {
  return config.dialect === "postgres" ? openPostgres(config.url, config.poolMax) : openSqlite(config.path);
}

function openPostgres(url: string, poolMax: number): Database_ {
  const client = new SQL(url, { max: poolMax, idleTimeout: 30, connectionTimeout: 5 });
  const subscriptions: SQL.ListenSubscription[] = [];
  const db = drizzlePg({ client, schema: pgSchema }) as unknown as Db;
  return {
    db,
    tables: pgSchema as unknown as Tables,
    dialect: "postgres",
    transaction: (fn) => (db as unknown as ReturnType<typeof drizzlePg>).transaction((tx) => fn(tx as unknown as Db)),
    // A network round trip dominates here; drizzle's builder is fine.
    insertMany: async (table, rows) => {
      if (rows.length) await db.insert(table as never).values(rows as never);
    },
    migrate: async () => {
      // Two processes starting together must not both run the same migration.
      const conn = await client.reserve();
      try {
        await conn`SELECT pg_advisory_lock(727274)`;
        await migratePg(drizzlePg({ client: conn as unknown as SQL }), { migrationsFolder: assetPath("db/migrations", "pg") });
      } finally {
        await conn`SELECT pg_advisory_unlock(727274)`.catch(() => undefined);
        conn.release();
      }
    },
    ping: async () => {
      await client`SELECT 1`;
    },
    onKeyChange: async (onChange, onListening) => {
      subscriptions.push(await client.listen(KEY_CHANGED_CHANNEL, (hash) => onChange(hash || undefined), onListening));
    },
    close: async () => {
      for (const subscription of subscriptions.splice(0)) await subscription.unlisten().catch(() => undefined);
      await client.close();
    },
  };
}

/** The channel db/migrations/pg/0005_key_change_notify.sql notifies on. */
const KEY_CHANGED_CHANNEL = "critique_key_changed";

export { sql };
