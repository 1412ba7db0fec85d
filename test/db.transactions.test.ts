import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { eq, inArray, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { loadConfig } from "../src/config/index.ts";
import { type DatabaseHandle, openDatabase } from "../src/db/client.ts";
import { gatedDrizzle } from "../src/db/gated-drizzle.ts";
import { SqliteGate } from "../src/db/sqlite-gate.ts";
import { createBackends, type TestBackends } from "./helpers/databases.ts";

// A transaction awaits between its statements while other requests write through the process-wide `db`. On
// SQLite both share one connection: those writes must wait for the COMMIT/ROLLBACK (src/db/sqlite-gate.ts), never
// join the open transaction (and be rolled back with it, or committed early). On Postgres they run on another
// connection; the outcomes checked on both legs hold there too.
let backends: TestBackends;
let database: DatabaseHandle;
beforeAll(async () => {
  backends = await createBackends();
  database = openDatabase(loadConfig(backends.env).database);
  await database.migrate();
});
afterAll(async () => {
  await database.close();
  await backends.dispose();
});

let seq = 0;
const user = (name: string) => ({ id: `${name}-${seq++}`, name: `${name}-${seq}`, createdAt: new Date() });
const present = async (ids: string[]) => {
  const { users } = database.tables;
  const rows = await database.db.select({ id: users.id }).from(users).where(inArray(users.id, ids));
  return rows.map((r) => r.id).sort();
};

/** Raw SQL through `db`: `run` on SQLite, `execute` on Postgres (the Db type only has the former). */
const raw = (query: SQL) => Promise.resolve(database.dialect === "sqlite" ? database.db.run(query) : (database.db as unknown as { execute(q: SQL): Promise<unknown> }).execute(query));

/** Runs a transaction that writes `inside`, then awaits `between` (while it is open), then writes `after`. */
function openTransaction(inside: ReturnType<typeof user>, after: ReturnType<typeof user>, between: (tx: DatabaseHandle["db"]) => Promise<void>, fail: boolean) {
  let opened!: () => void;
  const isOpen = new Promise<void>((resolve) => {
    opened = resolve;
  });
  const done = database.transaction(async (tx) => {
    await tx.insert(database.tables.users).values(inside);
    opened();
    await between(tx);
    await tx.insert(database.tables.users).values(after);
    if (fail) throw new Error("roll it back");
    return "committed";
  });
  return { isOpen, done };
}

test("writes through db while a transaction is open survive its rollback; its own writes do not", async () => {
  const { users } = database.tables;
  const [a, b, c, d, e, f] = ["tx-a", "tx-b", "out-c", "out-d", "out-e", "out-f"].map(user);
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const { isOpen, done } = openTransaction(a, b, () => released, true);
  await isOpen;
  // Four ways another request writes: a builder insert, a prepared statement, raw SQL, and insertMany.
  const prepared = database.db.insert(users).values({ id: sql.placeholder("id"), name: sql.placeholder("name"), createdAt: d.createdAt }).prepare();
  const outside = [
    database.db.insert(users).values(c).execute(),
    // A prepared statement runs when awaited: `then` starts it now, as an awaiting caller would.
    prepared.execute({ id: d.id, name: d.name }).then((result) => result),
    raw(sql`insert into ${users} (id, name, created_at) values (${e.id}, ${e.name}, ${database.dialect === "sqlite" ? e.createdAt.getTime() : e.createdAt.toISOString()})`),
    database.insertMany(users, [f]),
  ];
  // A timer while the transaction is still open: every chance for the outside writes to run into it.
  await Bun.sleep(20).finally(release);
  await expect(done).rejects.toThrow("roll it back");
  await Promise.all(outside);
  expect(await present([a, b, c, d, e, f].map((u) => u.id))).toEqual([c, d, e, f].map((u) => u.id).sort());
});

test("a committing transaction does not see an outside write before its COMMIT (SQLite); both persist", async () => {
  const { users } = database.tables;
  const [a, b, c] = ["tx-a", "tx-b", "out-c"].map(user);
  let outside: Promise<unknown> | undefined;
  let seenInside: unknown[] = [];
  const { isOpen, done } = openTransaction(a, b, async (tx) => {
    outside = database.db.insert(users).values(c).execute();
    await Bun.sleep(20);
    seenInside = await tx.select({ id: users.id }).from(users).where(eq(users.id, c.id));
  }, false);
  await isOpen;
  expect(await done).toBe("committed");
  await outside;
  // On Postgres (READ COMMITTED, another connection) the outside row may already be committed and visible.
  if (database.dialect === "sqlite") expect(seenInside).toEqual([]);
  expect(await present([a.id, b.id, c.id])).toEqual([a.id, b.id, c.id].sort());
});

test("an outside statement that fails while waiting rejects alone: the transaction and later statements go on", async () => {
  const { users } = database.tables;
  const [a, b, c] = ["tx-a", "tx-b", "out-c"].map(user);
  let duplicate: Promise<unknown> | undefined;
  let later: Promise<unknown> | undefined;
  const { isOpen, done } = openTransaction(a, b, async () => {
    // Same primary key as the transaction's first row: fails once it runs (after the COMMIT, on SQLite).
    duplicate = database.db.insert(users).values({ ...c, id: a.id }).execute().then(() => "inserted", () => "refused");
    later = database.db.insert(users).values(c).execute();
    await Bun.sleep(20);
  }, false);
  await isOpen;
  expect(await done).toBe("committed");
  expect(await duplicate).toBe("refused");
  await later;
  expect(await present([a.id, b.id, c.id])).toEqual([a.id, b.id, c.id].sort());
});

test("reads through db wait too and see the committed state; transactions queued behind run in order", async () => {
  const { users } = database.tables;
  const [a, b, c, d] = ["tx-a", "tx-b", "tx2-c", "tx2-d"].map(user);
  let read: Promise<string[]> | undefined;
  let second: ReturnType<typeof openTransaction> | undefined;
  const first = openTransaction(a, b, async () => {
    const ids = [a.id, b.id, c.id, d.id];
    read = database.db.select({ id: users.id }).from(users).where(inArray(users.id, ids)).execute().then((rows) => rows.map((r) => r.id).sort());
    second = openTransaction(c, d, async () => {}, false);
    await Bun.sleep(20);
  }, false);
  await first.isOpen;
  await Promise.all([first.done, second!.done]);
  const seen = await read!;
  // SQLite: the read ran after the first COMMIT and before the transaction queued behind it, never inside one.
  // Postgres: on another connection at once (what it sees depends on when it ran).
  if (database.dialect === "sqlite") expect(seen).toEqual([a.id, b.id].sort());
  expect(await present([a.id, b.id, c.id, d.id])).toEqual([a.id, b.id, c.id, d.id].sort());
});

test("a body that awaits a statement through db, not its tx, fails after the wait instead of stalling the connection", async () => {
  // Its own in-memory SQLite (any leg): the gate with a short wait in place of busy_timeout's 5 s.
  const client = new Database(":memory:");
  client.run("create table t (id integer primary key)");
  const gate = new SqliteGate(50);
  const db = gatedDrizzle(client, {}, gate);
  const ids = () => client.query("select id from t order by id").values().flat();
  const misuse = gate.transaction(client, drizzle({ client }), async (tx) => {
    await tx.run(sql`insert into t values (1)`);
    await db.run(sql`insert into t values (2)`);
  });
  await expect(misuse).rejects.toThrow("use its tx, not db");
  expect(ids()).toEqual([]);
  await db.run(sql`insert into t values (3)`);
  expect(ids()).toEqual([3]);
  client.close();
});
