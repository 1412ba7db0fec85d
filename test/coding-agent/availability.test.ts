import { afterEach, expect, test } from "bun:test";
import { type CodingAgentHarness, startCodingAgent } from "../helpers/coding-agent.ts";

/** Without bubblewrap, runs are refused unless the operator explicitly allows unsandboxed agents. */
let h: CodingAgentHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

test("no bwrap: /readyz stays ready but names the sandbox problem, the models route says unusable, a run is 503", async () => {
  h = await startCodingAgent({ env: { CRITIQUE_BWRAP_BIN: "/nonexistent/bwrap" } });
  const ready = await h.server.request("/readyz");
  expect(ready.status).toBe(200);
  expect(((await ready.json()) as any).checks["sandbox:local"]).toMatch(/^error: bubblewrap \(bwrap\) was not found/);
  const key = await h.server.key(["read:builder", "write:builder"]);
  const models = (await (await h.server.request("/api/v1/coding-agent/models", { key })).json()) as any;
  expect(models.sandbox).toMatchObject({ provider: "local", usable: false });
  const { res, body } = await h.createRun(key, { prompt: "Anything" });
  expect(res.status).toBe(503);
  expect(body.error).toMatch(/CRITIQUE_SANDBOX_UNSANDBOXED=1/);
  expect((await h.server.request("/api/v1/coding-agent/runs", { key }).then((r) => r.json()) as any).runs).toEqual([]);
});

test("CRITIQUE_SANDBOX_UNSANDBOXED=1 runs the agent without isolation, and says so", async () => {
  h = await startCodingAgent({ env: { CRITIQUE_BWRAP_BIN: "/nonexistent/bwrap", CRITIQUE_SANDBOX_UNSANDBOXED: "1" } });
  const key = await h.server.key(["read:builder", "write:builder"]);
  const models = (await (await h.server.request("/api/v1/coding-agent/models", { key })).json()) as any;
  expect(models.sandbox.usable).toBe(true);
  expect(models.sandbox.reason).toMatch(/^UNSANDBOXED/);
  h.upstream.script({ say: "hi" });
  const { body } = await h.createRun(key, { prompt: "Say hi" });
  const run = await h.waitStatus(key, body.run.id, ["IDLE", "FAILED"], 30_000);
  expect(run).toMatchObject({ status: "IDLE", summary: "hi" });
}, 45_000);
