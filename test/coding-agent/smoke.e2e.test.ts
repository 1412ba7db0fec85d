import { afterAll, beforeAll, expect, test } from "bun:test";
import { type CodingAgentHarness, startCodingAgent } from "../helpers/coding-agent.ts";

let h: CodingAgentHarness;
beforeAll(async () => {
  h = await startCodingAgent();
});
afterAll(() => h.stop());

test("smoke", async () => {
  const key = await h.server.key(["write:builder", "read:builder"]);
  h.upstream.script({ tool: "read", filePath: "/workspace/src/hello.txt" }, { tool: "edit", filePath: "/workspace/src/hello.txt", oldString: "hello world", newString: "hello there" }, { say: "Changed the greeting." });
  const { res, body } = await h.createRun(key, { prompt: "Change the greeting", repository: h.repo, createPullRequest: true });
  console.log(res.status, JSON.stringify(body).slice(0, 500));
  const run = await h.waitStatus(key, body.run.id, ["IDLE", "FAILED", "EXPIRED", "COMPLETED"], 25_000).catch(async (e) => { const { eventsAfter } = await import("../../plugins/coding-agent/events.ts"); console.log(JSON.stringify(await eventsAfter(h.server.server.ctx, body.run.id, 0), null, 1).slice(0, 6000)); console.log(JSON.stringify(h.upstream.fake.requests.map((r) => [r.path, (r.body as any)?.tools?.length, JSON.stringify((r.body as any)?.messages?.slice(-1)).slice(0, 300)]))); throw e; });
  console.log(JSON.stringify(run, null, 1));
  const events = await (await h.server.request(`/api/v1/coding-agent/runs/${body.run.id}/stream`, { key, headers: { "last-event-id": "0" }, signal: AbortSignal.timeout(3000) })).text().catch((e) => String(e));
  console.log(events.slice(0, 3000));
  expect(run.status).toBe("IDLE");
}, 60_000);
