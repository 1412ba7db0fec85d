/**
 * Drizzle has no dialect-neutral table builder (drizzle-orm#1196), so the schema in `schema.ts` is written once
 * against this small kit and instantiated twice: with SQLite builders and with PostgreSQL builders. Both kits
 * expose the same functions; the Postgres one is typed as the SQLite one so services see a single `Db` type.
 * Only query-builder features both dialects share are used by services (select/insert/update/delete,
 * returning, onConflict…), so the shared type is honest at run time.
 */
import * as pg from "drizzle-orm/pg-core";
import * as lite from "drizzle-orm/sqlite-core";

export const sqliteKit = {
  table: lite.sqliteTable,
  index: lite.index,
  uniqueIndex: lite.uniqueIndex,
  primaryKey: lite.primaryKey,
  text: (name: string) => lite.text(name),
  int: (name: string) => lite.integer(name, { mode: "number" }),
  /** 64-bit integers (credit amounts in micro-credits). */
  bigint: (name: string) => lite.integer(name, { mode: "number" }),
  real: (name: string) => lite.real(name),
  bool: (name: string) => lite.integer(name, { mode: "boolean" }),
  timestamp: (name: string) => lite.integer(name, { mode: "timestamp_ms" }),
  json: <T>(name: string) => lite.text(name, { mode: "json" }).$type<T>(),
};

export type ColumnKit = typeof sqliteKit;

const pgKitImpl = {
  table: pg.pgTable,
  index: pg.index,
  uniqueIndex: pg.uniqueIndex,
  primaryKey: pg.primaryKey,
  text: (name: string) => pg.text(name),
  int: (name: string) => pg.integer(name),
  bigint: (name: string) => pg.bigint(name, { mode: "number" }),
  real: (name: string) => pg.doublePrecision(name),
  bool: (name: string) => pg.boolean(name),
  timestamp: (name: string) => pg.timestamp(name, { withTimezone: true, mode: "date" }),
  json: <T>(name: string) => pg.jsonb(name).$type<T>(),
};

export const pgKit = pgKitImpl as unknown as ColumnKit;
