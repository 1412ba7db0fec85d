import type { Database } from "bun:sqlite";
import { getTableColumns, getTableName, is, SQL, type Table } from "drizzle-orm";

/**
 * Multi-row inserts on SQLite without drizzle's query builder, for hot append-only tables (one usage row per
 * inference call): building and preparing a 32-row insert, or filling a prepared one's 480 named placeholders,
 * cost more CPU than the rest of a call (bench/inference.ts). The statement is prepared once per table and row
 * count; values are encoded by the columns' own drizzle mappers, so rows read back exactly as through drizzle.
 */
export type InsertMany = <T extends Table>(table: T, rows: T["$inferInsert"][]) => Promise<void>;

/** SQLite binds at most 32,766 parameters per statement; larger inserts are split (and then not atomic). */
const MAX_PARAMETERS = 32_766;

type Column = ReturnType<typeof getTableColumns>[string];

export function sqliteInsertMany(client: Database): InsertMany {
  const statements = new Map<string, ReturnType<Database["prepare"]>>();
  const statementFor = (name: string, columns: [string, Column][], rowCount: number) => {
    const cacheKey = `${name}:${rowCount}`;
    let statement = statements.get(cacheKey);
    if (!statement) {
      const row = `(${columns.map(() => "?").join(", ")})`;
      const text = `insert into "${name}" (${columns.map(([, column]) => `"${column.name}"`).join(", ")}) values ${Array(rowCount).fill(row).join(", ")}`;
      statement = client.prepare(text);
      statements.set(cacheKey, statement);
    }
    return statement;
  };
  return async (table, rows) => {
    const columns = Object.entries(getTableColumns(table));
    const name = getTableName(table);
    const perStatement = Math.floor(MAX_PARAMETERS / columns.length);
    for (let start = 0; start < rows.length; start += perStatement) {
      const chunk = rows.slice(start, start + perStatement);
      const values: unknown[] = [];
      for (const row of chunk) {
        for (const [key, column] of columns) values.push(encode(column, (row as Record<string, unknown>)[key]));
      }
      statementFor(name, columns, chunk.length).run(...(values as never[]));
    }
  };
}

/** A value as drizzle's insert would bind it: the column's mapper; its default when the row left it out. */
function encode(column: Column, given: unknown): unknown {
  let value = given;
  if (value === undefined) {
    if (column.defaultFn) value = column.defaultFn();
    else if (is(column.default, SQL)) throw new Error(`insertMany: pass a value for "${column.name}" (its default is SQL, which a bound parameter cannot apply)`);
    else value = column.default;
  }
  return value === null || value === undefined ? null : column.mapToDriverValue(value);
}
