/**
 * Which real backends this test run uses. `test/run-all.ts` runs the suite once per leg:
 * SQLite + in-database queue, then PostgreSQL + Redis (BullMQ).
 */
export const testDb = (process.env.CRITIQUE_TEST_DB ?? "sqlite") as "sqlite" | "postgres";
export const testQueue = (process.env.CRITIQUE_TEST_QUEUE ?? "local") as "local" | "redis";
export const PG_ADMIN_URL = process.env.CRITIQUE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const TEST_REDIS_URL = process.env.CRITIQUE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export const legName = `${testDb}+${testQueue}`;
