import { afterAll, beforeAll, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { servicesOf } from "../../plugins/coding-agent/services.ts";
import { loadConfig } from "../../src/config/index.ts";
import { type RunningServer, startServer } from "../../src/runtime.ts";
import { type CodingAgentHarness, readStream, startCodingAgent } from "../helpers/coding-agent.ts";

/**
 * Two server processes on one database (and, on the scale-out leg, one Redis queue): a follow-up or cancel sent
 * to the process that does not hold the run's local sandbox still reaches the run, in the process that does.
 */
let h: CodingAgentHarness;
let other: RunningServer;
let key: string;
const call = (base: string, path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } });

beforeAll(async () => {
  h = await startCodingAgent();
  other = await startServer(loadConfig({ ...h.server.env, PORT: "0" }));
  key = await h.server.key(["read:builder", "write:builder"]);
});
afterAll(async () => {
  await other.stop();
  await h.stop();
});

test("a follow-up sent to the process that does not hold the sandbox runs in the holder's warm sandbox", async () => {
  h.upstream.script({ tool: "write", filePath: "/workspace/one.txt", content: "1\n" }, { say: "one" });
  const { body } = await h.createRun(key, { prompt: "First" });
  const id = body.run.id;
  await h.waitStatus(key, id, ["IDLE"], 30_000);
  // Either process may have run the first turn; the follow-up goes to the other one, and the holder takes no jobs
  // from the queue any more, so the follow-up's job is certainly run by the process without the sandbox.
  const servers = [h.server.server, other];
  const holder = servers.find((s) => servicesOf(s.ctx).provider.find(id))!;
  const stranger = servers.find((s) => s !== holder)!;
  await holder.ctx.jobs.driver.stopTaking();
  const sandboxId = (await holder.ctx.db.select().from(holder.ctx.tables.codingAgentRuns).where(eq(holder.ctx.tables.codingAgentRuns.id, id)))[0].sandboxId;
  h.upstream.script({ tool: "bash", command: "cat one.txt && echo 2 > two.txt" }, { say: "two" });
  const res = await call(stranger.url, `/api/v1/coding-agent/runs/${id}/messages`, { method: "POST", body: JSON.stringify({ prompt: "Second" }) });
  expect(res.status).toBe(202);
  const run = await h.waitStatus(key, id, ["IDLE", "FAILED"], 30_000);
  expect(run).toMatchObject({ status: "IDLE", turns: 2, summary: "two", diffstat: { files: 2 } });
  expect((await holder.ctx.db.select().from(holder.ctx.tables.codingAgentRuns).where(eq(holder.ctx.tables.codingAgentRuns.id, id)))[0].sandboxId).toBe(sandboxId);
  expect(servicesOf(stranger.ctx).provider.find(id)).toBeUndefined();
  const { events } = await readStream(h.server, key, id, { until: (e) => e.filter((x) => x.event === "turn.completed").length === 2 });
  expect(events.find((e) => e.event === "command.output")!.data.output).toContain("1");
}, 60_000);

test("a cancel sent to the other process stops the turn running in the holder", async () => {
  h.upstream.scriptFor("[slow]", { tool: "write", filePath: "/workspace/slow.txt", content: "s\n" }, { wait: 20_000 });
  const { body } = await h.createRun(key, { prompt: "Slow [slow]" });
  await readStream(h.server, key, body.run.id, { until: (e) => e.some((x) => x.event === "tool.result") });
  const elsewhere = [h.server.server, other].find((s) => !servicesOf(s.ctx).provider.find(body.run.id))!;
  expect((await call(elsewhere.url, `/api/v1/coding-agent/runs/${body.run.id}/cancel`, { method: "POST" })).status).toBe(200);
  const { events } = await readStream(h.server, key, body.run.id, { until: (e) => e.some((x) => x.event === "end") });
  expect(events.at(-1)).toMatchObject({ event: "end", data: { status: "CANCELLED" } });
  expect(await (await h.server.request(`/api/v1/coding-agent/runs/${body.run.id}/patch`, { key })).text()).toContain("+++ b/slow.txt");
}, 60_000);
