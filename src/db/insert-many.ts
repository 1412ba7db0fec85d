import type { Database } from "bun:sqlite";
import { getTableColumns, getTableName, is, SQL, type Table } from "drizzle-orm";

/**
 * Multi-row inserts on SQLite without drizzle's query builder, for hot append-only tables (one usage row per
 * inference call): building and preparing a 32-row insert, or filling a prepared one's 480 named placeholders,
 * cost more CPU than the rest of a call (bench/inference.ts). Values are encoded by the columns' own drizzle
 * mappers, so rows read back exactly as through drizzle.
 *
 * Statements are prepared once per table and chunk size, and the sizes come from a fixed ladder (250 rows go as
 * 3×64 + 3×16 + 2×4 + 2×1), so a stream of batches of varying sizes reuses a handful of statements instead of
 * preparing a new one per size. All chunks of one call run in one transaction: one commit, all or nothing.
 */
export type InsertMany = <T extends Table>(table: T, rows: T["$inferInsert"][]) => Promise<void>;

const LADDER = [256, 64, 16, 4, 1];
/** SQLite binds at most 32,766 parameters per statement. */
const MAX_PARAMETERS = 32_766;

type Column = ReturnType<typeof getTableColumns>[string];
type Statement = ReturnType<Database["prepare"]>;

/** What an insert into one table needs, worked out once per table. */
interface Layout {
  name: string;
  columns: [string, Column][];
  /** The ladder's sizes whose statements stay under the parameter limit. */
  sizes: number[];
}

function layoutOf(table: Table): Layout {
  const columns = Object.entries(getTableColumns(table));
  return { name: getTableName(table), columns, sizes: LADDER.filter((size) => size * columns.length <= MAX_PARAMETERS) };
}

export function sqliteInsertMany(client: Database): InsertMany {
  const layouts = new WeakMap<Table, Layout>();
  const statements = new Map<string, Statement>();
  const statementFor = ({ name, columns }: Layout, rowCount: number) => {
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
  const writeChunks = (layout: Layout, rows: Record<string, unknown>[]) => {
    let start = 0;
    for (const size of layout.sizes) {
      for (; rows.length - start >= size; start += size) {
        const values: unknown[] = [];
        for (let i = start; i < start + size; i++) {
          for (const [key, column] of layout.columns) values.push(encode(column, rows[i][key]));
        }
        statementFor(layout, size).run(...(values as never[]));
      }
    }
  };
  const begin = client.prepare("BEGIN");
  const commit = client.prepare("COMMIT");
  const rollback = client.prepare("ROLLBACK");
  return async (table, rows) => {
    const all = rows as Record<string, unknown>[];
    if (all.length === 0) return;
    let layout = layouts.get(table);
    if (!layout) {
      layout = layoutOf(table);
      layouts.set(table, layout);
    }
    // One chunk is atomic by itself, and inside an open transaction the rows simply join it (the database handle's
    // insertMany first waits while one is open: sqlite-gate.ts). bun:sqlite's own
    // transaction() wrapper measured ~10% slower on the inference benchmark than these three statements.
    if (layout.sizes.includes(all.length) || client.inTransaction) return writeChunks(layout, all);
    begin.run();
    try {
      writeChunks(layout, all);
      commit.run();
    } catch (error) {
      rollback.run();
      throw error;
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
