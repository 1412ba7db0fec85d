import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQL } from "bun";
import { PG_ADMIN_URL, TEST_REDIS_URL, testDb, testQueue } from "./env.ts";

export interface TestBackends {
  /** Environment variables pointing a server at this fresh database (and Redis prefix). */
  env: Record<string, string>;
  dataDir: string;
  dispose(): Promise<void>;
}

let counter = 0;

/** A fresh data dir, a fresh SQLite file or PostgreSQL database, and a unique Redis key prefix. */
export async function createBackends(): Promise<TestBackends> {
  const dataDir = mkdtempSync(join(tmpdir(), "critique-test-"));
  const unique = `${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const env: Record<string, string> = { CRITIQUE_DATA_DIR: dataDir };
  let dropDatabase = async () => {};
  if (testDb === "postgres") {
    const name = `critique_t_${unique}`;
    const admin = new SQL(PG_ADMIN_URL);
    await admin.unsafe(`CREATE DATABASE ${name}`);
    await admin.close();
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    env.DATABASE_URL = url.toString();
    dropDatabase = async () => {
      const admin = new SQL(PG_ADMIN_URL);
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await admin.close();
    };
  }
  if (testQueue === "redis") {
    env.REDIS_URL = TEST_REDIS_URL;
    env.CRITIQUE_REDIS_PREFIX = `critique_t_${unique}`;
  }
  return {
    env,
    dataDir,
    dispose: async () => {
      await dropDatabase();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
