import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createKey } from "../src/auth/keys.ts";
import type { AppContext } from "../src/context.ts";
import { createBackends, type TestBackends } from "./helpers/databases.ts";
import { legName } from "./helpers/env.ts";
import { closeContext, jobContext, type ServeProcess, serveProcesses, waitFor } from "./helpers/jobs.ts";

/** Graceful shutdown of `critique serve`: stop taking work, drain running jobs up to the timeout, exit 0. */
let backends: TestBackends;
let ctx: AppContext; // not a worker: reads rows and mints the key
let key: string;
const servers = serveProcesses();
const baseEnv = () => ({ ...backends.env, CRITIQUE_JOB_LEASE_MS: "1500", CRITIQUE_JOB_POLL_MS: "100", CRITIQUE_LOG_LEVEL: "info" });

beforeAll(async () => {
  backends = await createBackends();
  ctx = await jobContext(backends, { CRITIQUE_LOG_LEVEL: "silent" });
  key = (await createKey(ctx, { name: "sigterm-test", user: "operator", scopes: ["admin"] })).key;
});
afterAll(async () => {
  await servers.killAll();
  await closeContext(ctx);
  await backends.dispose();
});

const serve = (extra: Record<string, string> = {}) => servers.spawn({ ...baseEnv(), ...extra });

async function startEcho(server: ServeProcess, delayMs: number): Promise<string> {
  const res = await fetch(`${server.url}/api/v1/admin/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "system.echo", payload: { message: "drain me", delayMs } }),
  });
  expect(res.status).toBe(202);
  const { job } = (await res.json()) as { job: { id: string } };
  await waitFor("the job to be running", async () => (await ctx.jobs.get(job.id))?.status === "running");
  return job.id;
}

describe(`SIGTERM (${legName})`, () => {
  test("a running job finishes before the process exits 0", async () => {
    const server = await serve();
    const id = await startEcho(server, 1_500);
    const code = await server.signal("SIGTERM");
    expect(code).toBe(0);
    const row = await ctx.jobs.get(id);
    expect(row?.status).toBe("completed");
    expect(row?.attempts).toBe(1);
    expect(row?.result).toEqual({ message: "drain me", attempt: 1 });
  }, 30_000);

  test("a job outlasting the drain timeout is handed back and finished after a restart", async () => {
    const server = await serve({ CRITIQUE_SHUTDOWN_TIMEOUT_MS: "300" });
    const id = await startEcho(server, 2_000);
    expect(await server.signal("SIGTERM")).toBe(0);
    const handedBack = await ctx.jobs.get(id);
    expect(handedBack?.status).toBe("queued");
    expect(handedBack?.lastError).toMatch(/interrupted/);

    await serve();
    const done = await waitFor("the job to complete after the restart", async () => {
      const row = await ctx.jobs.get(id);
      return row?.status === "completed" ? row : undefined;
    });
    expect(done.attempts).toBe(2);
    expect(done.result).toEqual({ message: "drain me", attempt: 2 });
  }, 30_000);
});
