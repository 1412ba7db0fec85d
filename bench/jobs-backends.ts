import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQL } from "bun";
import { Redis } from "ioredis";
import { loadConfig } from "../src/config/index.ts";
import type { AppContext } from "../src/context.ts";
import { createContext } from "../src/runtime.ts";

/** Fresh databases and Redis prefixes for bench/jobs.ts, removed afterwards. */

const PG_URL = process.env.CRITIQUE_BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.CRITIQUE_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

export interface Leg {
  name: string;
  label: string;
  database: "sqlite" | "postgres";
  queue: "local" | "redis";
}

export const legs: Leg[] = [
  { name: "local-sqlite", label: "local+SQLite", database: "sqlite", queue: "local" },
  { name: "local-pg", label: "local+Postgres", database: "postgres", queue: "local" },
  { name: "redis-sqlite", label: "redis+SQLite", database: "sqlite", queue: "redis" },
  { name: "redis-pg", label: "redis+Postgres", database: "postgres", queue: "redis" },
];

export async function openLeg(leg: Leg, extraEnv: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), "critique-bench-jobs-"));
  const unique = `critique_bench_${process.pid}_${Date.now().toString(36)}`;
  // A fixed key: the bench measures jobs, not the "no encryption key" warnings.
  const env: Record<string, string> = {
    CRITIQUE_DATA_DIR: dataDir,
    CRITIQUE_LOG_LEVEL: "warn",
    CRITIQUE_SECRETS_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
    ...extraEnv,
  };
  if (leg.database === "postgres") {
    const admin = new SQL(PG_URL);
    await admin.unsafe(`CREATE DATABASE ${unique}`);
    await admin.close();
    const url = new URL(PG_URL);
    url.pathname = `/${unique}`;
    env.DATABASE_URL = url.toString();
  }
  if (leg.queue === "redis") {
    env.REDIS_URL = REDIS_URL;
    env.CRITIQUE_REDIS_PREFIX = unique;
  }
  const contexts: AppContext[] = [];
  return {
    env,
    context: async () => {
      const ctx = await createContext(loadConfig(env));
      contexts.push(ctx);
      return ctx;
    },
    dispose: async () => {
      if (leg.database === "postgres") {
        const admin = new SQL(PG_URL);
        await admin.unsafe(`DROP DATABASE IF EXISTS ${unique} WITH (FORCE)`).catch(() => undefined);
        await admin.close();
      }
      if (leg.queue === "redis") {
        const redis = new Redis(REDIS_URL);
        const keys = await redis.keys(`${unique}:*`);
        if (keys.length) await redis.del(...keys);
        await redis.quit();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
