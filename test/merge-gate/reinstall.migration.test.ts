import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SQL } from "bun";
import { drizzle as drizzlePg } from "drizzle-orm/bun-sql";
import { migrate as migratePg } from "drizzle-orm/bun-sql/migrator";
import { drizzle as drizzleSqlite } from "drizzle-orm/bun-sqlite";
import { migrate as migrateSqlite } from "drizzle-orm/bun-sqlite/migrator";
import { createBackends, type TestBackends } from "../helpers/databases.ts";
import { legName, testDb } from "../helpers/env.ts";

/**
 * The migration that made records belong to their installation, run on a database written by the code before it:
 * a repository installed again by carol (78) after alice (77) had its new reviews filed under alice's passport.
 */
const SOURCE = resolve(import.meta.dir, "../../db/migrations", testDb === "postgres" ? "pg" : "sqlite");
const JOURNAL = JSON.parse(readFileSync(join(SOURCE, "meta/_journal.json"), "utf8")) as { entries: { tag: string }[] };
/** The migration under test: the one that creates the per-installation passport key. */
const TAG = JOURNAL.entries.find((e) => readFileSync(join(SOURCE, `${e.tag}.sql`), "utf8").includes("passports_installation_pr_idx"))?.tag ?? "missing";

let backends: TestBackends;
let exec: (text: string, params?: unknown[]) => Promise<any[]>;
let migrate: (folder: string) => Promise<void>;
let close: () => Promise<void>;

/** The migrations folder as it was just before TAG: the journal cut off there. */
function folderBefore(): string {
  const folder = mkdtempSync(join(tmpdir(), "critique-migrations-"));
  cpSync(SOURCE, folder, { recursive: true });
  const cut = JOURNAL.entries.findIndex((e) => e.tag === TAG);
  expect(cut).toBeGreaterThan(0);
  writeFileSync(join(folder, "meta/_journal.json"), JSON.stringify({ ...JOURNAL, entries: JOURNAL.entries.slice(0, cut) }));
  return folder;
}

beforeAll(async () => {
  backends = await createBackends();
  if (testDb === "postgres") {
    const client = new SQL(backends.env.DATABASE_URL);
    exec = async (text, params = []) => [...(await client.unsafe(text.replace(/\?/g, (() => { let n = 0; return () => `$${++n}`; })()), params as never[]))];
    migrate = (folder) => migratePg(drizzlePg({ client }), { migrationsFolder: folder });
    close = () => client.close();
  } else {
    const client = new Database(join(backends.dataDir, "migration.db"), { create: true });
    exec = async (text, params = []) => client.query(text).all(...(params as never[]));
    migrate = async (folder) => migrateSqlite(drizzleSqlite({ client }), { migrationsFolder: folder });
    close = async () => client.close();
  }
});
afterAll(async () => {
  await close();
  await backends.dispose();
});

// Timestamps as each dialect stores them: epoch milliseconds in SQLite, timestamptz in Postgres.
const at = (minute: number) => (testDb === "postgres" ? new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString() : Date.UTC(2026, 0, 1, 0, minute));
const json = (value: unknown) => JSON.stringify(value);

async function seedLeakedHistory() {
  for (const [id, name] of [["u-alice", "alice"], ["u-carol", "carol"], ["u-dave", "dave"]]) await exec("INSERT INTO users (id, name, created_at) VALUES (?, ?, ?)", [id, name, at(0)]);
  for (const id of ["77", "78"]) await exec("INSERT INTO github_installations (id, account_login, created_at, updated_at) VALUES (?, 'acme', ?, ?)", [id, at(0), at(0)]);
  for (const [installation, user] of [["77", "u-alice"], ["78", "u-carol"], ["78", "u-dave"]]) await exec("INSERT INTO installation_members (installation_id, user_id, created_at) VALUES (?, ?, ?)", [installation, user, at(0)]);
  await exec("INSERT INTO passports (id, installation_id, repository, repository_key, pull_request_number, head_sha, verdict, policy_outcome, checkpoint_outcome, latest_review_run_id, snapshot_count, created_at, updated_at) VALUES ('p-alice', '77', 'acme/web', 'acme/web', 5, 'bbbb', 'FAIL', 'block', 'warn', 'r-carol', 5, ?, ?)", [at(1), at(9)]);
  const run = "INSERT INTO review_runs (id, installation_id, repository, repository_key, pull_request_number, head_sha, status, verdict, trigger, change_passport_id, pull_request_title, created_at, updated_at) VALUES (?, ?, 'acme/web', 'acme/web', 5, ?, 'COMPLETED', ?, 'github', 'p-alice', ?, ?, ?)";
  await exec(run, ["r-alice", "77", "aaaa", "PASS", "Alice's change", at(1), at(2)]);
  await exec(run, ["r-carol", "78", "bbbb", "FAIL", "Carol's change", at(5), at(7)]);
  await exec("INSERT INTO checkpoints (id, installation_id, repository, repository_key, pull_request_number, head_sha, status, outcome, trigger, change_passport_id, created_at) VALUES ('c-carol', '78', 'acme/web', 'acme/web', 5, 'bbbb', 'COMPLETED', 'warn', 'github', 'p-alice', ?)", [at(4)]);
  const evaluation = "INSERT INTO policy_evaluations (id, passport_id, head_sha, review_run_id, outcome, reasons, policy, created_at) VALUES (?, 'p-alice', ?, ?, ?, ?, ?, ?)";
  await exec(evaluation, ["e-alice", "aaaa", "r-alice", "allow", json([]), json({}), at(3)]);
  await exec(evaluation, ["e-carol", "bbbb", "r-carol", "block", json(["FAIL verdict"]), json({}), at(8)]);
  const snapshot = "INSERT INTO passport_snapshots (id, passport_id, sequence, kind, ref_id, head_sha, state, created_at) VALUES (?, 'p-alice', ?, ?, ?, ?, ?, ?)";
  await exec(snapshot, ["s1", 1, "review", "r-alice", "aaaa", json({ verdict: "PASS" }), at(2)]);
  await exec(snapshot, ["s2", 2, "policy", "e-alice", "aaaa", json({ policyOutcome: "allow" }), at(3)]);
  await exec(snapshot, ["s3", 3, "checkpoint", "c-carol", "bbbb", json({ checkpointOutcome: "warn" }), at(4)]);
  await exec(snapshot, ["s4", 4, "review", "r-carol", "bbbb", json({ verdict: "FAIL" }), at(7)]);
  await exec(snapshot, ["s5", 5, "policy", "e-carol", "bbbb", json({ policyOutcome: "block" }), at(8)]);
}

describe(`migration ${TAG}: records move to the installation that produced them (${legName})`, () => {
  test("the new tenant's runs, checkpoint, evaluations and snapshots leave the old passport; billing users are backfilled", async () => {
    await migrate(folderBefore());
    await seedLeakedHistory();
    await migrate(SOURCE);

    const passports = await exec("SELECT id, installation_id, head_sha, verdict, policy_outcome, checkpoint_outcome, latest_review_run_id, snapshot_count, title FROM passports ORDER BY installation_id");
    expect(passports).toHaveLength(2);
    const [old, fresh] = passports;
    expect(old).toMatchObject({ id: "p-alice", installation_id: "77", head_sha: "aaaa", verdict: "PASS", policy_outcome: "allow", checkpoint_outcome: null, latest_review_run_id: "r-alice", snapshot_count: 5 });
    expect(fresh).toMatchObject({ installation_id: "78", head_sha: "bbbb", verdict: "FAIL", policy_outcome: "block", checkpoint_outcome: "warn", latest_review_run_id: "r-carol", snapshot_count: 3, title: "Carol's change" });
    expect(fresh.id).toStartWith("mig");

    const owner = async (table: string) => Object.fromEntries((await exec(`SELECT id, change_passport_id AS p FROM ${table}`)).map((r) => [r.id, r.p]));
    expect(await owner("review_runs")).toEqual({ "r-alice": "p-alice", "r-carol": fresh.id });
    expect(await owner("checkpoints")).toEqual({ "c-carol": fresh.id });
    const evaluations = Object.fromEntries((await exec("SELECT id, passport_id AS p FROM policy_evaluations")).map((r) => [r.id, r.p]));
    expect(evaluations).toEqual({ "e-alice": "p-alice", "e-carol": fresh.id });
    // Alice's timeline keeps its numbers (the gap shows that records left); carol's is numbered 1, 2, 3 in order.
    const timeline = (await exec("SELECT id, passport_id, sequence FROM passport_snapshots")).map((s) => [s.passport_id === "p-alice" ? "alice" : s.passport_id === fresh.id ? "carol" : s.passport_id, s.id, Number(s.sequence)]);
    timeline.sort((a, b) => String(a[0]).localeCompare(String(b[0])) || Number(a[2]) - Number(b[2]));
    expect(timeline).toEqual([
      ["alice", "s1", 1],
      ["alice", "s2", 2],
      ["carol", "s3", 1],
      ["carol", "s4", 2],
      ["carol", "s5", 3],
    ]);

    // One member: that member pays; two members: nobody is guessed (an operator runs `critique installations billing`).
    const billing = Object.fromEntries((await exec("SELECT id, billing_user_id AS b FROM github_installations")).map((r) => [r.id, r.b]));
    expect(billing).toEqual({ "77": "u-alice", "78": null });
  });
});
