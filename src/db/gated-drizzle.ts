import type { Database } from "bun:sqlite";
import { createTableRelationsHelpers, extractTablesRelationalConfig, NoopLogger, type Query } from "drizzle-orm";
import { BunSQLiteDatabase, PreparedQuery, SQLiteBunSession } from "drizzle-orm/bun-sqlite";
import { type SelectedFieldsOrdered, type SQLiteExecuteMethod, SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import type { SqliteGate } from "./sqlite-gate.ts";

type Args = ConstructorParameters<typeof PreparedQuery>;

/**
 * drizzle's bun:sqlite query, each execution passed through the gate; awaited, a deferred result reads the same.
 * The `open` test is inline so that the common case allocates nothing (bench/sqlite-tx.ts).
 */
class GatedQuery extends PreparedQuery {
  constructor(
    private readonly gate: SqliteGate,
    ...args: Args
  ) {
    super(...args);
  }
  override run(values?: Record<string, unknown>) {
    return this.gate.open ? (this.gate.later(() => super.run(values)) as never) : super.run(values);
  }
  override all(values?: Record<string, unknown>) {
    return this.gate.open ? this.gate.later(() => super.all(values)) : super.all(values);
  }
  override get(values?: Record<string, unknown>) {
    return this.gate.open ? this.gate.later(() => super.get(values)) : super.get(values);
  }
  override values(values?: Record<string, unknown>) {
    return this.gate.open ? (this.gate.later(() => super.values(values)) as never) : super.values(values);
  }
}

const noLogger = new NoopLogger();

class GatedSession<S extends Record<string, unknown>> extends SQLiteBunSession<S, never> {
  constructor(
    private readonly sqlite: Database,
    dialect: SQLiteSyncDialect,
    schema: ConstructorParameters<typeof SQLiteBunSession>[2],
    private readonly gate: SqliteGate,
  ) {
    super(sqlite, dialect, schema as never);
  }
  // As SQLiteBunSession.prepareQuery (drizzle-orm 0.45), with the gated query class.
  override prepareQuery(query: Query, fields: SelectedFieldsOrdered | undefined, method: SQLiteExecuteMethod, arrayMode: boolean, mapper?: (rows: unknown[][]) => unknown) {
    return new GatedQuery(this.gate, this.sqlite.prepare(query.sql), query, noLogger, fields, method, arrayMode, mapper) as never;
  }
}

/** A drizzle database over `client` whose statements pass through `gate`; built as drizzle's own bun-sqlite driver does. */
export function gatedDrizzle<S extends Record<string, unknown>>(client: Database, schema: S, gate: SqliteGate): BunSQLiteDatabase<S> {
  const dialect = new SQLiteSyncDialect();
  const tables = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
  const relational = { fullSchema: schema, schema: tables.tables, tableNamesMap: tables.tableNamesMap };
  const session = new GatedSession(client, dialect, relational as never, gate);
  const db = new BunSQLiteDatabase("sync", dialect, session as never, relational as never) as BunSQLiteDatabase<S>;
  return Object.assign(db, { $client: client });
}
