import { expect, test } from "bun:test";
import { chmodSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config/index.ts";
import { openDatabase } from "../src/db/client.ts";

/** The SQLite files hold sealed secrets, key hashes and every review: only their owner may read them (issue 19). */
const mode = (path: string) => statSync(path).mode & 0o777;

test("a new SQLite database, its WAL and shared-memory files are 0600 and its new directory 0700", async () => {
  const dir = join(mkdtempSync(join(tmpdir(), "critique-perm-")), "data");
  const database = openDatabase(loadConfig({ CRITIQUE_DATA_DIR: dir }).database);
  await database.migrate();
  await database.db.insert(database.tables.users).values({ id: "u1", name: "perm", createdAt: new Date() });
  const file = join(dir, "critique.sqlite");
  expect([mode(dir), mode(file), mode(`${file}-wal`), mode(`${file}-shm`)]).toEqual([0o700, 0o600, 0o600, 0o600]);
  await database.close();
});

test("an existing world-readable database file is narrowed to 0600 when opened", async () => {
  const dir = mkdtempSync(join(tmpdir(), "critique-perm-"));
  const file = join(dir, "old.sqlite");
  writeFileSync(file, "");
  chmodSync(file, 0o644);
  const database = openDatabase(loadConfig({ DATABASE_URL: file }).database);
  await database.migrate();
  expect(mode(file)).toBe(0o600);
  await database.close();
});
