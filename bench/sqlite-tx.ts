#!/usr/bin/env bun
/**
 * What a statement through the process-wide SQLite `db` costs, and what an open transaction costs other
 * requests' statements (src/db/sqlite-gate.ts: they wait for its COMMIT instead of joining it). Each case runs on
 * one connection through three drizzle instances, rounds interleaved so machine noise hits all alike:
 *   - plain: drizzle's bun-sqlite driver as is (the `db` before the gate: joins an open transaction)
 *   - gated: `database.db`, the server's (one field read per statement when no transaction is open)
 *   - proxy: drizzle's async sqlite-proxy driver over the same client (the alternative considered). Its callback
 *     uses bun's cached `client.query`, and that cache is all its lead: preparing per statement as drizzle's
 *     bun-sqlite driver does, it measured about 10% more CPU than plain (several awaits per statement)
 * Cases: N single-row inserts / primary-key selects / updates, each awaited; N transactions (insert + select);
 * and N inserts while transactions (a timer between two statements) keep opening ("busy": wall µs, as the
 * point is the wait; plain and proxy join the open transaction there, the bug). Elsewhere median and minimum
 * CPU µs of this process per statement (wall time on a shared machine is mostly other processes' noise).
 *
 *   bun bench/sqlite-tx.ts [--n 20000] [--rounds 5]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Database } from "bun:sqlite";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { drizzle as drizzleProxy } from "drizzle-orm/sqlite-proxy";
import * as schema from "../db/sqlite.ts";
import { type Db, openDatabase } from "../src/db/client.ts";

const { values: options } = parseArgs({ options: { n: { type: "string", default: "20000" }, rounds: { type: "string", default: "5" } } });
const N = Number(options.n);
const ROUNDS = Number(options.rounds);
const dir = mkdtempSync(join(tmpdir(), "critique-bench-tx-"));
const database = openDatabase({ dialect: "sqlite", path: join(dir, "bench.sqlite") });
await database.migrate();
const client = (database.db as unknown as { $client: Database }).$client;
const proxy = drizzleProxy(
  async (text, params, method) => {
    const statement = client.query(text);
    if (method === "run") return { rows: [statement.run(...params)] };
    return { rows: method === "get" ? statement.values(...params)[0] : statement.values(...params) };
  },
  { schema },
) as unknown as Db;
const variants: [string, Db][] = [
  ["plain", drizzle({ client, schema })],
  ["gated", database.db],
  ["proxy", proxy],
];
const t = schema.instanceSettings;
const now = new Date();
const row = (name: string) => ({ name, value: "v", createdAt: now, updatedAt: now });
let round = 0;

/**
 * µs per call: CPU of this process (user + system), steadier than wall time on a shared machine; or, with
 * `wall`, elapsed time (where waiting is the point).
 */
async function timed(fn: (i: number, prefix: string) => Promise<unknown>, wall = false): Promise<number> {
  const prefix = `r${round++}-`;
  const [cpu, at] = [process.cpuUsage(), performance.now()];
  for (let i = 0; i < N; i++) await fn(i, prefix);
  const used = process.cpuUsage(cpu);
  return wall ? ((performance.now() - at) * 1000) / N : (used.user + used.system) / N;
}

/** Transactions that keep opening (a timer between their two statements) until `stop`. */
async function busyWriter(stopped: () => boolean) {
  for (let k = 0; !stopped(); k++) {
    await database.transaction(async (tx) => {
      await tx.insert(t).values(row(`w${round}-${k}`));
      await Bun.sleep(0);
      await tx.update(t).set({ value: "x" }).where(eq(t.name, `w${round}-${k}`));
    });
  }
}

const cases: [string, (db: Db) => Promise<number>][] = [
  ["insert", (db) => timed((i, p) => db.insert(t).values(row(`${p}${i}`)))],
  ["select by key", (db) => timed((i) => db.select().from(t).where(eq(t.name, `r0-${i}`)))],
  ["update by key", (db) => timed((i) => db.update(t).set({ value: "w" }).where(eq(t.name, `r0-${i}`)))],
  ["insert, busy (wall µs)", async (db) => {
    let stop = false;
    const writer = busyWriter(() => stop);
    const us = await timed((i, p) => db.insert(t).values(row(`${p}c${i}`)), true);
    stop = true;
    await writer;
    return us;
  }],
];

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`SQLite, ${N} statements per round, ${ROUNDS} rounds, CPU µs per statement: median / min`);
console.log(`${"case".padEnd(28)}${variants.map(([name]) => name.padStart(16)).join("")}`);
for (const [name, run] of cases) {
  const samples = variants.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) for (const [v, [, db]] of variants.entries()) samples[v].push(await run(db));
  console.log(`${name.padEnd(28)}${samples.map((s) => `${median(s).toFixed(1)} / ${Math.min(...s).toFixed(1)}`.padStart(16)).join("")}`);
}
const tx: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  tx.push(await timed((i, p) => database.transaction(async (tx) => {
    await tx.insert(t).values(row(`${p}tx${i}`));
    return tx.select().from(t).where(eq(t.name, `${p}tx${i}`));
  })));
}
console.log(`${"transaction (insert+select)".padEnd(28)}${`${median(tx).toFixed(1)} / ${Math.min(...tx).toFixed(1)}`.padStart(32)}`);
await database.close();
rmSync(dir, { recursive: true, force: true });
