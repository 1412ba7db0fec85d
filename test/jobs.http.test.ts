import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testQueue } from "./helpers/env.ts";
import { waitFor } from "./helpers/jobs.ts";
import { securitySuite } from "./helpers/security.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";

interface JobView {
  id: string;
  name: string;
  status: string;
  attempts: number;
  maxAttempts: number;
  payload: unknown;
  result: unknown;
  lastError: string | null;
  runAt: string;
  createdAt: string;
  finishedAt: string | null;
}

let s: TestServer;
let admin: string;
beforeAll(async () => {
  s = await startTestServer({ CRITIQUE_JOB_POLL_MS: "50" });
  admin = await s.key(["admin"], "operator");
});
afterAll(() => s.stop());

const enqueue = (json: unknown) => s.request("/api/v1/admin/jobs", { method: "POST", key: admin, json });
const getJob = async (id: string) => ((await (await s.request(`/api/v1/admin/jobs/${id}`, { key: admin })).json()) as { job: JobView }).job;
const completed = (id: string) => waitFor(`job ${id} to complete`, async () => ((await getJob(id)).status === "completed" ? getJob(id) : undefined));
const list = async (query: string) => {
  const res = await s.request(`/api/v1/admin/jobs?${query}`, { key: admin });
  return { status: res.status, body: (await res.json()) as { jobs: JobView[]; nextCursor: string | null; error?: string } };
};
const expect422 = async (res: Response, pattern: RegExp) => {
  expect(res.status).toBe(422);
  expect(((await res.json()) as { error: string }).error).toMatch(pattern);
};

describe("POST /api/v1/admin/jobs", () => {
  test("enqueues system.echo: 202 with the row, then it completes with its result", async () => {
    const res = await enqueue({ name: "system.echo", payload: { message: "hello" } });
    expect(res.status).toBe(202);
    const { job } = (await res.json()) as { job: JobView };
    expect(job.name).toBe("system.echo");
    expect(job.payload).toEqual({ message: "hello", delayMs: 0 });
    expect(job.maxAttempts).toBe(3);
    expect(Number.isNaN(Date.parse(job.createdAt))).toBe(false);
    const done = await completed(job.id);
    expect(done.result).toEqual({ message: "hello", attempt: 1 });
    expect(done.attempts).toBe(1);
    expect(done.lastError).toBeNull();
    expect(Date.parse(done.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(done.createdAt));
  });

  test("only operator-enqueueable job types, named in the error", async () => {
    await expect422(await enqueue({ name: "reviews.run", payload: {} }), /"reviews\.run" cannot be enqueued over HTTP; allowed: system\.echo/);
  });

  test("an invalid payload is 422 naming the field", async () => {
    await expect422(await enqueue({ name: "system.echo", payload: { message: "x", delayMs: -5 } }), /^payload\.delayMs: /);
    await expect422(await enqueue({ name: "system.echo", payload: {} }), /^payload\.message: /);
  });

  test("an invalid body is 422, never a 500", async () => {
    await expect422(await enqueue({ payload: {} }), /name/);
    await expect422(await enqueue({ name: "system.echo", payload: { message: "x" }, runAt: "tomorrow" }), /runAt/);
    const res = await s.request("/api/v1/admin/jobs", { method: "POST", key: admin, body: "{not json", headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
  });

  test("the same dedupeKey returns the first job", async () => {
    const body = { name: "system.echo", payload: { message: "once" }, dedupeKey: `http-${Date.now()}` };
    const first = ((await (await enqueue(body)).json()) as { job: JobView }).job;
    const second = ((await (await enqueue(body)).json()) as { job: JobView }).job;
    expect(second.id).toBe(first.id);
  });
});

describe("GET /api/v1/admin/jobs/:id", () => {
  test("an unknown id is 404 in the envelope", async () => {
    const res = await s.request("/api/v1/admin/jobs/0000000000000000000000000000dead", { key: admin });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "Job not found" });
  });
});

describe("GET /api/v1/admin/jobs", () => {
  test("pages newest first with a cursor, filtered by status", async () => {
    const ids: string[] = [];
    for (const message of ["p1", "p2", "p3"]) ids.push(((await (await enqueue({ name: "system.echo", payload: { message } })).json()) as { job: JobView }).job.id);
    for (const id of ids) await completed(id);
    const first = await list("status=completed&limit=2");
    expect(first.status).toBe(200);
    expect(first.body.jobs.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.nextCursor).toBe(ids[1]);
    const second = await list(`status=completed&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.jobs[0].id).toBe(ids[0]);
    expect(second.body.jobs.every((j) => j.status === "completed")).toBe(true);
    const all = await list("limit=100");
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.jobs.length).toBeGreaterThanOrEqual(3);
    expect((await list("status=failed")).body.jobs).toEqual([]);
  });

  test("bad filters are 422 naming the parameter", async () => {
    for (const [query, field] of [
      ["status=done", /status/],
      ["limit=0", /limit/],
      ["limit=abc", /limit/],
      ["cursor=nope", /cursor/],
    ] as const) {
      const { status, body } = await list(query);
      expect(status).toBe(422);
      expect(body.error).toMatch(field);
    }
  });
});

describe("operations", () => {
  test("/metrics shows job counts by name and state, and the queue depth", async () => {
    await completed(((await (await enqueue({ name: "system.echo", payload: { message: "metrics" } })).json()) as { job: JobView }).job.id);
    const text = await (await s.request("/metrics")).text();
    const line = text.split("\n").find((l) => l.startsWith('critique_jobs{name="system.echo",status="completed"}'));
    expect(Number(line?.split(" ")[1])).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^critique_queue_depth \d+$/m);
  });

  test(`/readyz checks ${testQueue === "redis" ? "Redis" : "only the database"}`, async () => {
    const body = (await (await s.request("/readyz")).json()) as { checks: Record<string, string> };
    expect(body.checks.database).toBe("ok");
    if (testQueue === "redis") expect(body.checks.redis).toBe("ok");
    else expect(body.checks.redis).toBeUndefined();
  });
});

securitySuite(() => s, { method: "POST", path: "/api/v1/admin/jobs", scope: "admin", json: { name: "system.echo", payload: { message: "x" } } });
securitySuite(() => s, { method: "GET", path: "/api/v1/admin/jobs", scope: "admin" });
securitySuite(() => s, { method: "GET", path: "/api/v1/admin/jobs/0000000000000000000000000000dead", scope: "admin" });
