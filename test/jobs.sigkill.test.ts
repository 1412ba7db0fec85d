import { afterAll, beforeAll, expect, test } from "bun:test";
import { createKey } from "../src/auth/keys.ts";
import type { AppContext } from "../src/context.ts";
import { createBackends, type TestBackends } from "./helpers/databases.ts";
import { legName } from "./helpers/env.ts";
import { closeContext, jobContext, serveProcesses, waitFor } from "./helpers/jobs.ts";

/**
 * The crash guarantee, end to end: `critique serve` is SIGKILLed while a job runs; after a restart the job runs
 * again and completes, exactly once more. Short leases so the lost worker is noticed within seconds.
 */
let backends: TestBackends;
let ctx: AppContext; // not a worker: reads rows and mints the key
let env: Record<string, string>;
let key: string;
const servers = serveProcesses();

beforeAll(async () => {
  backends = await createBackends();
  env = { ...backends.env, CRITIQUE_JOB_LEASE_MS: "1500", CRITIQUE_JOB_POLL_MS: "100", CRITIQUE_LOG_LEVEL: "info" };
  ctx = await jobContext(backends, { ...env, CRITIQUE_LOG_LEVEL: "silent" });
  key = (await createKey(ctx, { name: "sigkill-test", user: "operator", scopes: ["admin"] })).key;
});
afterAll(async () => {
  await servers.killAll();
  await closeContext(ctx);
  await backends.dispose();
});

const serve = () => servers.spawn(env);

test(`a job interrupted by SIGKILL completes after a restart (${legName})`, async () => {
  const first = await serve();
  const res = await fetch(`${first.url}/api/v1/admin/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "system.echo", payload: { message: "survive", delayMs: 3_000 } }),
  });
  expect(res.status).toBe(202);
  const { job } = (await res.json()) as { job: { id: string } };
  await waitFor("the job to be running", async () => (await ctx.jobs.get(job.id))?.status === "running");

  expect(await first.signal("SIGKILL")).toBeNull();
  const orphaned = await ctx.jobs.get(job.id);
  expect(orphaned?.status).toBe("running");
  expect(orphaned?.attempts).toBe(1);

  const second = await serve();
  const done = await waitFor(
    "the job to complete after the restart",
    async () => {
      const row = await ctx.jobs.get(job.id);
      return row?.status === "completed" ? row : undefined;
    },
    25_000,
  ).catch((error) => {
    throw new Error(`${error.message}\n--- restarted server:\n${second.logs()}`);
  });
  expect(done.attempts).toBe(2);
  expect(done.result).toEqual({ message: "survive", attempt: 2 });
  expect(second.logs()).toContain("job lease expired: queued again");

  expect(await second.signal("SIGTERM")).toBe(0);
  // Nothing ran it a third time while the second server shut down.
  expect((await ctx.jobs.get(job.id))?.attempts).toBe(2);
}, 60_000);
