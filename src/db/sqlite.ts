import { Database } from "bun:sqlite";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import * as sqliteSchema from "../../db/sqlite.ts";
import { assetPath } from "../paths.ts";
import type { Database_ } from "./client.ts";
import { sqliteInsertMany } from "./insert-many.ts";
import { gatedDrizzle } from "./gated-drizzle.ts";
import { SqliteGate } from "./sqlite-gate.ts";

/**
 * The database holds sealed secrets, key hashes and every review: only its owner may read it. The file is created
 * 0600 before SQLite opens it (SQLite gives its -wal and -shm files the database file's mode), an existing one is
 * narrowed to 0600, and a data directory this creates is 0700.
 */
function privateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, "a", 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
}

/** How long a statement waits for a lock: another process's (SQLite's busy_timeout) or a transaction here (sqlite-gate.ts). */
const BUSY_TIMEOUT_MS = 5_000;

export function openSqlite(path: string): Database_ {
  if (path !== ":memory:") privateFile(path);
  const client = new Database(path, { create: true, strict: true });
  client.run("PRAGMA journal_mode = WAL");
  client.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  client.run("PRAGMA foreign_keys = ON");
  client.run("PRAGMA synchronous = NORMAL");
  // bun:sqlite is synchronous and drizzle's SQLite transactions cannot await, so one connection serves the whole
  // process and an async transaction holds it alone: see sqlite-gate.ts for how other statements wait for it.
  const gate = new SqliteGate(BUSY_TIMEOUT_MS);
  const db = gatedDrizzle(client, sqliteSchema, gate);
  const tx = drizzle({ client, schema: sqliteSchema });
  const insertMany = sqliteInsertMany(client);
  // Changes when another connection commits, never for this one's own writes (sqlite.org/pragma.html#pragma_data_version).
  const dataVersion = client.prepare("PRAGMA data_version");
  return {
    db,
    tables: sqliteSchema,
    dialect: "sqlite",
    transaction: (fn) => gate.transaction(client, tx, fn),
    insertMany: async (table, rows) => {
      await gate.pass(() => insertMany(table, rows));
    },
    // Reads of connection state, not of rows: they need not wait for a transaction.
    externalVersion: () => dataVersion.values()[0][0] as number,
    migrate: async () => migrate(tx, { migrationsFolder: assetPath("db/migrations", "sqlite") }),
    ping: async () => {
      client.query("SELECT 1").get();
    },
    close: async () => client.close(),
  };
}
